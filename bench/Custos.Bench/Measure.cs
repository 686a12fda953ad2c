using System.Diagnostics;
using System.Globalization;
using System.Text;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Npgsql;

namespace Custos.Bench;

/// One shape of the Organizations page: what the page asks the handler.
internal sealed record Shape(string Name, OrganizationStatus Status, string? Search, PlanType? PlanType, CredentialFilter Credential, int Pages, bool RareTerm = false);

/// Times the page's query through the real handler and, side by side, the best hand-written SQL
/// for the same answer (rows, probe and tab counts).
internal static class Measure
{
    private const string OrgColumns =
        "o.\"Id\", o.\"PublicId\", o.\"Name\", o.\"NameNormalized\", o.\"PlanType\", o.\"PlanId\", o.\"OwnerEmail\", o.\"Seats\", o.\"AutoLicense\", o.\"SeatsInUse\", o.\"StorageUsedBytes\", o.\"Status\", o.\"PurgeDueAt\", o.\"DeletedAt\", o.\"StatusChangedAt\", o.\"CredentialError\"";

    public static async Task<StringBuilder> RunAsync(string connectionString, BenchData data, int runs, int warmup)
    {
        var shapes = new List<(string Scope, string Path, string PublicId)>
        {
            ($"distributor ({data.DistributorOrganizations:N0} orgs)", data.DistributorPath, data.DistributorPublicId),
            ($"small partner ({data.SmallOrganizations:N0} orgs)", data.SmallPath, data.SmallPublicId),
        };

        var table = new StringBuilder();
        table.AppendLine("| scope | shape | rows | handler p50 ms | handler p95 ms | SQL p50 ms | SQL p95 ms | p95 ratio |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var counts = new StringBuilder();
        counts.AppendLine("| scope | exact tab counts alone: p50 ms | p95 ms | maintained counters: p50 ms | p95 ms |");
        counts.AppendLine("|---|---:|---:|---:|---:|");

        foreach (var (scopeName, path, publicId) in shapes)
        {
            var scope = new Scope(path);
            var list = new List<Shape>
            {
                new("default tab (Active, first page)", OrganizationStatus.Active, null, null, CredentialFilter.All, 1),
                new("search \"dental\" (rare)", OrganizationStatus.Active, "dental", null, CredentialFilter.All, 1, RareTerm: true),
                new("search \"group\" (common)", OrganizationStatus.Active, "group", null, CredentialFilter.All, 1),
                new($"ID prefix \"{publicId[..6]}\"", OrganizationStatus.Active, publicId[..6], null, CredentialFilter.All, 1, RareTerm: true),
                new("plan filter Backup", OrganizationStatus.Active, null, PlanType.Backup, CredentialFilter.All, 1),
                new("Need Authentication", OrganizationStatus.Active, null, null, CredentialFilter.NeedAuthentication, 1),
                new("page 51 (Next ×50, keyset)", OrganizationStatus.Active, null, null, CredentialFilter.All, 51),
            };

            foreach (var shape in list)
            {
                // Follow Next to reach the measured page, as a person would.
                string? cursor = null;
                OrganizationList? last = null;
                for (var p = 1; p < shape.Pages; p++)
                {
                    last = await HandleAsync(connectionString, scope, shape, cursor);
                    cursor = last.NextCursor;
                    if (cursor is null)
                    {
                        break;
                    }
                }

                if (shape.Pages > 1 && cursor is null)
                {
                    table.AppendLine(CultureInfo.InvariantCulture, $"| {scopeName} | {shape.Name} | fewer than {shape.Pages} pages | | | | | |");
                    continue;
                }

                var efAnswer = await HandleAsync(connectionString, scope, shape, cursor);
                var sqlAnswer = await HandSqlAsync(connectionString, path, shape, cursor);
                var same = efAnswer.Rows.Select(r => r.Id).SequenceEqual(sqlAnswer.Ids)
                    && efAnswer.Counts == sqlAnswer.Counts;

                var ef = await TimeAsync(runs, warmup, () => HandleAsync(connectionString, scope, shape, cursor));
                var sql = await TimeAsync(runs, warmup, () => HandSqlAsync(connectionString, path, shape, cursor));
                var ef95 = Percentile(ef, 95);
                var sql95 = Percentile(sql, 95);
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {scopeName} | {shape.Name}{(same ? "" : " (**answers differ**)")} | {efAnswer.Rows.Count} | {Percentile(ef, 50):F1} | {ef95:F1} | {Percentile(sql, 50):F1} | {sql95:F1} | {ef95 / sql95:F2} |");
                Console.Error.WriteLine($"{scopeName} / {shape.Name}: handler p95 {ef95:F1} ms, SQL p95 {sql95:F1} ms, same answer: {same}");
            }

            var countsOnly = await TimeAsync(runs, warmup, () => CountsAsync(connectionString, path, ExactCounts));
            var maintained = await TimeAsync(runs, warmup, () => CountsAsync(connectionString, path, MaintainedCounts));
            counts.AppendLine(CultureInfo.InvariantCulture,
                $"| {scopeName} | {Percentile(countsOnly, 50):F1} | {Percentile(countsOnly, 95):F1} | {Percentile(maintained, 50):F1} | {Percentile(maintained, 95):F1} |");
        }

        table.AppendLine();
        table.Append(counts);
        return table;
    }

    private static async Task<OrganizationList> HandleAsync(string connectionString, Scope scope, Shape shape, string? cursor)
    {
        // A fresh context per call, as each page request gets one.
        await using var db = Contexts.Create(connectionString);
        var result = await new ListOrganizations(db).HandleAsync(
            new ListOrganizationsRequest(scope, shape.Status, shape.Search, shape.PlanType, shape.Credential, cursor), CancellationToken.None);
        return result.Value ?? throw new InvalidOperationException(result.Error?.Message);
    }

    private const string ExactCounts =
        "SELECT o.\"Status\", count(*) FROM \"Organizations\" o WHERE o.\"PartnerId\" IN (SELECT \"Id\" FROM \"Partners\" WHERE \"Path\" LIKE @prefix) GROUP BY o.\"Status\"";

    private const string MaintainedCounts =
        "SELECT \"Status\", sum(n)::bigint FROM (SELECT k.\"Status\", k.\"Count\" AS n FROM \"OrganizationCounts\" k WHERE k.\"PartnerId\" IN (SELECT \"Id\" FROM \"Partners\" WHERE \"Path\" LIKE @prefix) " +
        "UNION ALL SELECT k.\"Status\", k.\"Delta\" FROM \"OrganizationCountDeltas\" k WHERE k.\"PartnerId\" IN (SELECT \"Id\" FROM \"Partners\" WHERE \"Path\" LIKE @prefix)) x GROUP BY \"Status\"";

    private static async Task<StatusCounts> CountsAsync(string connectionString, string path, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("prefix", path + "%");
        return await ReadCountsAsync(await cmd.ExecuteReaderAsync());
    }

    /// The best plain SQL for the same answer: the scope's partner ids first, then the top rows of
    /// each partner from its (PartnerId, Status, …, NameNormalized, Id) index (LATERAL), merged
    /// (for a rare search term: its few matches through the trigram indexes, materialized once);
    /// one probe row behind the cursor; counts per status from the maintained counters (exact
    /// COUNT for a search, which counters cannot answer). One round trip (a batch).
    private static async Task<(List<Guid> Ids, StatusCounts Counts)> HandSqlAsync(string connectionString, string path, Shape shape, string? cursor)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var filters = new StringBuilder();
        var parameters = new List<NpgsqlParameter>
        {
            new("prefix", path + "%"),
            new("status", shape.Status.ToString()),
        };
        var search = TextKey.Name(shape.Search?.Trim() ?? "");
        if (search.Length > 0)
        {
            // An ID holds "ORG-" only at its start: such a term is an ID prefix (a btree range).
            var id = search.ToUpperInvariant();
            // A per-partner walk must not rescan a trigram index per partner: `|| ''` keeps indexes off it.
            filters.Append(shape.RareTerm
                ? " AND (o.\"NameNormalized\" LIKE @np ESCAPE '\\' OR o.\"PublicId\" LIKE @ip ESCAPE '\\')"
                : " AND ((o.\"NameNormalized\" || '') LIKE @np ESCAPE '\\' OR (o.\"PublicId\" || '') LIKE @ip ESCAPE '\\')");
            parameters.Add(new("np", "%" + ListOrganizations.EscapeLike(search) + "%"));
            parameters.Add(new("ip", (id.StartsWith("ORG-", StringComparison.Ordinal) ? "" : "%") + ListOrganizations.EscapeLike(id) + "%"));
        }

        if (shape.PlanType is { } type)
        {
            filters.Append(" AND o.\"PlanType\" = @pt");
            parameters.Add(new("pt", type.ToString()));
        }

        if (shape.Credential == CredentialFilter.NeedAuthentication)
        {
            filters.Append(" AND o.\"CredentialError\"");
        }

        var at = ListOrganizations.DecodeCursor(cursor);
        var keyset = "";
        if (at is { } c)
        {
            keyset = " AND (o.\"NameNormalized\", o.\"Id\") > (@cn, @cid)";
            parameters.Add(new("cn", c.Name));
            parameters.Add(new("cid", c.Id));
        }

        var batch = new NpgsqlBatch(conn);
        var sub = "SELECT \"Id\" FROM \"Partners\" WHERE \"Path\" LIKE @prefix";
        const int Cap = ListOrganizations.DefaultSearchCountCap + 1;
        if (shape.RareTerm)
        {
            // A rare term: its few matches in the scope through the trigram indexes, once per statement.
            // Only bitmap scans, and the partner checked on the matching rows (see ListOrganizations.Postgres.cs).
            await using (var settings = new NpgsqlCommand("SET enable_seqscan = off; SET enable_indexscan = off", conn))
            {
                await settings.ExecuteNonQueryAsync();
            }

            var matches = $"WITH m AS MATERIALIZED (SELECT o.\"Id\", o.\"NameNormalized\", o.\"Status\" FROM \"Organizations\" o WHERE (o.\"PartnerId\" IN ({sub})) IS TRUE{filters}) ";
            batch.BatchCommands.Add(Command(
                matches + $"SELECT {OrgColumns}, p.\"Name\", p.\"MonthlyPrice\", p.\"Currency\" FROM m JOIN \"Organizations\" o ON o.\"Id\" = m.\"Id\" JOIN \"Plans\" p ON p.\"Id\" = o.\"PlanId\" " +
                $"WHERE m.\"Status\" = @status{keyset.Replace("o.", "m.", StringComparison.Ordinal)} ORDER BY m.\"NameNormalized\", m.\"Id\" LIMIT {ListOrganizations.PageSize + 1}", parameters));
            if (at is not null)
            {
                batch.BatchCommands.Add(Command(
                    matches + "SELECT EXISTS (SELECT 1 FROM m WHERE m.\"Status\" = @status AND (m.\"NameNormalized\", m.\"Id\") <= (@cn, @cid))", parameters));
            }

            batch.BatchCommands.Add(Command(matches + $"SELECT \"Status\", least(count(*), {Cap}) FROM m GROUP BY \"Status\"", parameters));
        }
        else
        {
            batch.BatchCommands.Add(Command(
                $"SELECT {OrgColumns}, p.\"Name\", p.\"MonthlyPrice\", p.\"Currency\" FROM ({sub}) s CROSS JOIN LATERAL (" +
                $"SELECT * FROM \"Organizations\" o WHERE o.\"PartnerId\" = s.\"Id\" AND o.\"Status\" = @status{filters}{keyset} " +
                $"ORDER BY o.\"NameNormalized\", o.\"Id\" LIMIT {ListOrganizations.PageSize + 1}) o JOIN \"Plans\" p ON p.\"Id\" = o.\"PlanId\" " +
                $"ORDER BY o.\"NameNormalized\", o.\"Id\" LIMIT {ListOrganizations.PageSize + 1}", parameters));
            if (at is not null)
            {
                batch.BatchCommands.Add(Command(
                    $"SELECT EXISTS (SELECT 1 FROM ({sub}) s CROSS JOIN LATERAL (SELECT 1 FROM \"Organizations\" o WHERE o.\"PartnerId\" = s.\"Id\" " +
                    $"AND o.\"Status\" = @status{filters} AND (o.\"NameNormalized\", o.\"Id\") <= (@cn, @cid) LIMIT 1) x)", parameters));
            }

            if (search.Length == 0)
            {
                // Maintained counters plus the deltas not yet rolled up (Custos.Data/Counting/README.md).
                var keys = (shape.PlanType is null ? "" : " AND k.\"PlanType\" = @pt")
                    + (shape.Credential == CredentialFilter.NeedAuthentication ? " AND k.\"CredentialError\"" : "");
                batch.BatchCommands.Add(Command(
                    $"SELECT \"Status\", sum(n)::bigint FROM (SELECT k.\"Status\", k.\"Count\" AS n FROM \"OrganizationCounts\" k WHERE k.\"PartnerId\" IN ({sub}){keys} " +
                    $"UNION ALL SELECT k.\"Status\", k.\"Delta\" FROM \"OrganizationCountDeltas\" k WHERE k.\"PartnerId\" IN ({sub}){keys}) x GROUP BY \"Status\"", parameters));
            }
            else
            {
                // A common term: each status counted up to the cap, walking partners in index order.
                batch.BatchCommands.Add(Command(
                    $"SELECT st, (SELECT count(*) FROM (SELECT 1 FROM ({sub}) s CROSS JOIN LATERAL (SELECT 1 FROM \"Organizations\" o " +
                    $"WHERE o.\"PartnerId\" = s.\"Id\" AND o.\"Status\" = st{filters} LIMIT {Cap}) x LIMIT {Cap}) y) " +
                    "FROM unnest(ARRAY['Active','Suspended','Unsubscribed','Deleted']) AS st", parameters));
            }
        }

        await using var reader = await batch.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        if (at is not null)
        {
            await reader.NextResultAsync();
            await reader.ReadAsync();
            _ = reader.GetBoolean(0);
        }

        await reader.NextResultAsync();
        var counts = await ReadCountsAsync(reader);
        if (shape.RareTerm)
        {
            await using var reset = new NpgsqlCommand("RESET enable_seqscan; RESET enable_indexscan", conn);
            await reset.ExecuteNonQueryAsync();
        }
        return (ids.Take(ListOrganizations.PageSize).ToList(), counts);
    }

    private static NpgsqlBatchCommand Command(string sql, List<NpgsqlParameter> parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(p.Clone());
        }

        return command;
    }

    private static async Task<StatusCounts> ReadCountsAsync(NpgsqlDataReader reader)
    {
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            byStatus[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        await reader.DisposeAsync();
        int Of(OrganizationStatus s) => byStatus.TryGetValue(s.ToString(), out var n) ? n : 0;
        return new StatusCounts(Of(OrganizationStatus.Active), Of(OrganizationStatus.Suspended), Of(OrganizationStatus.Unsubscribed), Of(OrganizationStatus.Deleted));
    }

    private static async Task<double[]> TimeAsync<T>(int runs, int warmup, Func<Task<T>> action)
    {
        for (var i = 0; i < warmup; i++)
        {
            await action();
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times;
    }

    private static double Percentile(double[] sorted, int p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1)];
}
