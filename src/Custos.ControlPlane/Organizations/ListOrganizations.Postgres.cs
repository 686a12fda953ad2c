using System.Data.Common;
using System.Globalization;
using System.Text;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// The PostgreSQL form of the page, for a partner's whole subtree (or the operator's everything):
/// the rows of a page come from each partner's own index range (LATERAL top-N per partner on
/// (PartnerId, Status, [PlanType,] NameNormalized, Id), merged), so a distributor's page reads
/// a few rows per partner instead of its whole subtree, and its plan cannot flip to a global scan.
/// Tab counts without a search come from the maintained counters (Custos.Data/Counting/README.md).
/// Same answers as the LINQ form, which SQLite and group-limited Administrators use.
public sealed partial class ListOrganizations
{
    /// The organization's columns a row needs, selected where the row is found when the walk reads
    /// the table anyway (a search compares the Organization ID, which the walk's index lacks): the page is then joined to its plan only, not to
    /// "Organizations" a second time, which keeps the statement small enough for PostgreSQL to settle
    /// on one generic plan for it once it is prepared. Without a search the walk reads only the index
    /// (Id and name), and the page's 21 rows are fetched afterwards.
    private const string OrganizationColumns = """
        o."Id", o."NameNormalized", o."PublicId", o."Name", o."PlanType", o."PlanId", o."OwnerEmail", o."Seats",
        o."AutoLicense", o."SeatsInUse", o."StorageUsedBytes", o."Status", o."PurgeDueAt", o."DeletedAt",
        o."StatusChangedAt", o."CredentialError", o."StorageLogicalBytes"
        """;

    private const string RowColumns = """
        o."Id", o."NameNormalized", o."PublicId", o."Name", o."PlanType", p."Name", p."MonthlyPrice", p."Currency",
        o."OwnerEmail", o."Seats", o."AutoLicense", o."SeatsInUse", o."StorageUsedBytes", o."Status",
        o."PurgeDueAt", o."DeletedAt", o."StatusChangedAt", o."CredentialError", o."StorageLogicalBytes"
        """;

    private async Task<OrganizationList> ListOnPostgresAsync(
        ListOrganizationsRequest request, string searchKey, (string Name, Guid Id)? cursor, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var form = searchKey.Length == 0 ? SearchForm.None : await ChooseSearchFormAsync(request, searchKey, ct);
            var (set, reset) = form == SearchForm.Rare ? (TrigramOnlySql, PlannerDefaultsSql) : (GenericPlansSql, PlanCacheDefaultSql);
            try
            {
                var (page, counts) = await PostgresPageAndCountsAsync(request, searchKey, form, cursor, request.Direction, request.WithCounts, (set, reset), ct);
                if (page.Rows.Count == 0 && cursor is not null && request.Direction == PageDirection.Previous)
                {
                    (page, _) = await PostgresPageAndCountsAsync(request, searchKey, form, null, PageDirection.Next, withCounts: false, (set, reset), ct);
                }

                return new OrganizationList(
                    page.Rows, counts ?? new StatusCounts(0, 0, 0, 0), page.Previous, page.Next, CountCap: form == SearchForm.None ? null : SearchCountCap);
            }
            catch (Exception) when (db.Database.GetDbConnection().State == System.Data.ConnectionState.Open)
            {
                // The batch stopped before its own reset (a cancelled request, a failed statement):
                // a pooled connection must not keep this query's planner settings.
                await TryExecuteAsync(reset);
                throw;
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// How a search is answered. A term with few matches in a large scope is found through the
    /// trigram indexes and everything else is computed from those few rows; a common term, or any
    /// term in a small scope, is walked in name order per partner, which stops as soon as a page
    /// (or a capped count) is full.
    private enum SearchForm
    {
        None,
        Rare,
        Common,
    }

    /// For the trigram forms: a sequential scan or an ordered index walk would look cheaper to the
    /// planner with a LIMIT (it expects matches everywhere) and read a whole subtree for a rare term.
    /// Set and reset on this request's own connection (a pooled connection is also reset when returned).
    private const string TrigramOnlySql = "SET enable_seqscan = off; SET enable_indexscan = off";

    private const string PlannerDefaultsSql = "RESET enable_seqscan; RESET enable_indexscan";

    /// For the walks (every other form): their shape is fixed by the SQL (one index range per
    /// partner), so a plan made without the parameters' values is the same plan. PostgreSQL would
    /// otherwise plan the prepared statement afresh on every call (its generic estimate of a subtree
    /// is several partners, a custom one knows the subtree), and planning costs more than the walk.
    private const string GenericPlansSql = "SET plan_cache_mode = force_generic_plan";

    private const string PlanCacheDefaultSql = "RESET plan_cache_mode";

    /// A scope of at most <see cref="WalkScopeLimit"/> organizations (from the maintained counters,
    /// remembered for a few seconds per subtree in <see cref="ScopeSizes"/>) is always walked: that costs at most its own rows. An Organization ID prefix is rare by
    /// construction. Otherwise the share of matching rows in a small block sample of the table
    /// estimates the term's matches in the scope; at most <see cref="RareSearchMatches"/> means rare.
    /// A wrong guess costs time, never a different answer.
    private async Task<SearchForm> ChooseSearchFormAsync(ListOrganizationsRequest request, string searchKey, CancellationToken ct)
    {
        async Task<long> CountScopeAsync()
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            var scope = ScopeCte(request.Scope, command);
            command.CommandText = $"""
                {scope}
                SELECT coalesce(sum(n), 0)::bigint FROM ({CounterRowsSql(keys: "")}) c;
                """;
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        var inScope = scopeSizes is null
            ? await CountScopeAsync()
            : await scopeSizes.GetAsync(request.Scope.PartnerPath ?? "", CountScopeAsync);

        if (inScope <= WalkScopeLimit)
        {
            return SearchForm.Common;
        }

        var id = searchKey.ToUpperInvariant();
        if (id.StartsWith(PublicIds.OrganizationPrefix, StringComparison.Ordinal) && id.Length >= PublicIds.OrganizationPrefix.Length + 2)
        {
            return SearchForm.Rare;
        }

        await using (var command = db.Database.GetDbConnection().CreateCommand())
        {
            command.CommandText = $"""
                SELECT count(*) FILTER (WHERE {SearchSql(searchKey, command, indexed: false)}), count(*)
                FROM "Organizations" o TABLESAMPLE SYSTEM (0.25);
                """;
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (matches, sampled) = (reader.GetInt64(0), reader.GetInt64(1));
            var estimate = sampled == 0 ? 0 : (double)matches / sampled * inScope;
            return estimate <= RareSearchMatches ? SearchForm.Rare : SearchForm.Common;
        }
    }

    private async Task TryExecuteAsync(string sql)
    {
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (DbException)
        {
            // A broken connection leaves the pool anyway.
        }
    }

    /// One round trip: the planner settings of the form, the page (with its probe row), when asked
    /// the tab counts, and the settings' reset.
    private async Task<(Page Page, StatusCounts? Counts)> PostgresPageAndCountsAsync(
        ListOrganizationsRequest request, string searchKey, SearchForm form, (string Name, Guid Id)? cursor, PageDirection direction,
        bool withCounts, (string Set, string Reset) planner, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        var sql = new StringBuilder(planner.Set).Append(';');
        var scope = ScopeCte(request.Scope, command);
        var rare = form == SearchForm.Rare;
        var filter = FilterSql(request, searchKey, command, indexedSearch: rare);
        Add(command, "status", request.Status.ToString());
        // A rare search finds the scope's few matches once, through the trigram indexes ("m").
        var wide = rare || searchKey.Length > 0;
        string Top(string keyset, bool ascending, int take) => TopSql(rare, filter, keyset, ascending, take, wide);
        string From(string cte) => wide
            ? $""" FROM {cte} o JOIN "Plans" p ON p."Id" = o."PlanId" """
            : $""" FROM {cte} JOIN "Organizations" o ON o."Id" = {cte}."Id" JOIN "Plans" p ON p."Id" = o."PlanId" """;
        var pageCtes = !rare ? scope : scope + $"""
            , m AS MATERIALIZED (
                SELECT {OrganizationColumns} FROM "Organizations" o
                WHERE (o."PartnerId" IN (SELECT "Id" FROM scope)) IS TRUE{filter})
            """;

        var forward = direction == PageDirection.Next;
        if (cursor is not { } at)
        {
            sql.Append(pageCtes).Append(", page AS (").Append(Top("", true, PageSize + 1)).Append(')')
                .Append(" SELECT false, ").Append(RowColumns)
                .Append(From("page"))
                .Append(""" ORDER BY o."NameNormalized", o."Id";""");
        }
        else
        {
            Add(command, "cursor_name", at.Name);
            Add(command, "cursor_id", at.Id);
            const string Position = """(o."NameNormalized", o."Id") {0} (@cursor_name, @cursor_id)""";
            var (pageKeyset, probeKeyset) = forward ? (">", "<=") : ("<", ">=");
            sql.Append(pageCtes)
                .Append(", page AS (").Append(Top(" AND " + string.Format(CultureInfo.InvariantCulture, Position, pageKeyset), forward, PageSize + 1)).Append(')')
                .Append(", probe AS (").Append(Top(" AND " + string.Format(CultureInfo.InvariantCulture, Position, probeKeyset), !forward, 1)).Append(')')
                .Append(" SELECT false, ").Append(RowColumns)
                .Append(From("page"))
                .Append(" UNION ALL SELECT true, ").Append(RowColumns)
                .Append(From("probe"))
                .Append(""" ORDER BY 3, 2;""");
        }

        if (withCounts)
        {
            sql.Append(form switch
            {
                SearchForm.None => MaintainedCountsSql(request, scope),
                SearchForm.Rare => ExactCountsSql(scope, filter),
                _ => CappedCountsSql(scope, filter),
            });
        }

        command.CommandText = sql.Append(planner.Reset).Append(';').ToString();
        await using var reader = await command.ExecuteReaderAsync(ct);
        var data = new List<RowData>();
        while (await reader.ReadAsync(ct))
        {
            data.Add(ReadRow(reader));
        }

        StatusCounts? counts = null;
        if (withCounts && await reader.NextResultAsync(ct))
        {
            var byStatus = new Dictionary<OrganizationStatus, int>();
            while (await reader.ReadAsync(ct))
            {
                var count = checked((int)reader.GetInt64(1));
                byStatus[Enum.Parse<OrganizationStatus>(reader.GetString(0))] = form == SearchForm.None ? count : Math.Min(count, SearchCountCap + 1);
            }

            int Of(OrganizationStatus s) => byStatus.GetValueOrDefault(s);
            counts = new StatusCounts(
                Of(OrganizationStatus.Active), Of(OrganizationStatus.Suspended), Of(OrganizationStatus.Unsubscribed), Of(OrganizationStatus.Deleted));
        }

        var page = cursor is null ? Cut(data, hasBefore: false, PageDirection.Next, null) : Cut(data, hasBefore: data.Any(r => r.Probe), direction, cursor);
        return (page, counts);
    }

    /// The partners whose organizations are in scope, as a CTE named "scope".
    private static string ScopeCte(Scope scope, DbCommand command)
    {
        if (string.IsNullOrEmpty(scope.PartnerPath))
        {
            return """WITH scope AS (SELECT "Id" FROM "Partners")""";
        }

        // The subtree as a range of paths (every path below ends with '/', the range's end is the
        // prefix with its last character raised by one): unlike LIKE, a range of parameters can
        // use the index in a generic plan.
        var prefix = scope.PartnerPath;
        Add(command, "path_from", prefix);
        Add(command, "path_to", prefix[..^1] + (char)(prefix[^1] + 1));
        return """WITH scope AS (SELECT "Id" FROM "Partners" WHERE "Path" >= @path_from AND "Path" < @path_to)""";
    }

    /// The conditions on an organization "o" besides its partner and status: search, plan and credential filters.
    private static string FilterSql(ListOrganizationsRequest request, string searchKey, DbCommand command, bool indexedSearch)
    {
        var sql = new StringBuilder();
        if (searchKey.Length > 0)
        {
            sql.Append(" AND ").Append(SearchSql(searchKey, command, indexedSearch));
        }

        if (request.PlanType is { } type)
        {
            Add(command, "plan_type", type.ToString());
            sql.Append(""" AND o."PlanType" = @plan_type""");
        }

        if (request.Credential == CredentialFilter.NeedAuthentication)
        {
            sql.Append(""" AND o."CredentialError" """);
        }

        return sql.ToString();
    }

    /// A search term as a substring of the normalized name or of the Organization ID. An ID holds
    /// "ORG-" only at its start (the rest is from an alphabet without "-"), so a term starting
    /// with "ORG-" can only match an ID as a prefix: that is a range of the ID's btree index.
    /// Not <paramref name="indexed"/>: written so that no index can take it (`|| ''`), for the
    /// per-partner walks, where the planner would otherwise rescan a trigram index once per partner.
    private static string SearchSql(string searchKey, DbCommand command, bool indexed)
    {
        if (!command.Parameters.Contains("name_pattern"))
        {
            var id = searchKey.ToUpperInvariant();
            Add(command, "name_pattern", "%" + EscapeLike(searchKey) + "%");
            Add(command, "id_pattern", (id.StartsWith(PublicIds.OrganizationPrefix, StringComparison.Ordinal) ? "" : "%") + EscapeLike(id) + "%");
        }

        return indexed
            ? """(o."NameNormalized" LIKE @name_pattern OR o."PublicId" LIKE @id_pattern)"""
            : """((o."NameNormalized" || '') LIKE @name_pattern OR (o."PublicId" || '') LIKE @id_pattern)""";
    }

    /// The first <paramref name="take"/> organizations (<see cref="OrganizationColumns"/> when
    /// <paramref name="wide"/>, else Id and NameNormalized) of the tab
    /// beside the keyset, in the given order: from each partner's index range, merged (LATERAL), or
    /// from the materialized matches "m" of a rare search.
    private static string TopSql(bool fromMatches, string filter, string keyset, bool ascending, int take, bool wide)
    {
        var columns = wide ? OrganizationColumns : """o."Id", o."NameNormalized" """;
        var (inner, outer) = ascending
            ? ("""o."NameNormalized", o."Id" """, """t."NameNormalized", t."Id" """)
            : ("""o."NameNormalized" DESC, o."Id" DESC """, """t."NameNormalized" DESC, t."Id" DESC """);
        return fromMatches
            ? $"""
                SELECT {columns} FROM m o
                WHERE o."Status" = @status{keyset}
                ORDER BY {inner}LIMIT {take}
                """
            : $"""
                SELECT t.* FROM scope s CROSS JOIN LATERAL (
                    SELECT {columns} FROM "Organizations" o
                    WHERE o."PartnerId" = s."Id" AND o."Status" = @status{filter}{keyset}
                    ORDER BY {inner}LIMIT {take}
                ) t ORDER BY {outer}LIMIT {take}
                """;
    }

    /// Counts per status from the maintained counters plus the deltas not yet rolled up.
    private static string MaintainedCountsSql(ListOrganizationsRequest request, string scope)
    {
        var keys = new StringBuilder();
        if (request.PlanType is not null)
        {
            keys.Append(""" AND k."PlanType" = @plan_type""");
        }

        if (request.Credential == CredentialFilter.NeedAuthentication)
        {
            keys.Append(""" AND k."CredentialError" """);
        }

        return $"""
            {scope}
            SELECT "Status", sum(n)::bigint FROM ({CounterRowsSql(keys.ToString())}) x GROUP BY "Status";
            """;
    }

    /// (Status, n) rows whose sum per status is the scope's count: the counters plus the deltas
    /// not yet rolled up, limited by <paramref name="keys"/> (conditions on "k").
    private static string CounterRowsSql(string keys) => $"""
        SELECT k."Status", k."Count" AS n FROM "OrganizationCounts" k
        WHERE k."PartnerId" IN (SELECT "Id" FROM scope){keys}
        UNION ALL
        SELECT k."Status", k."Delta" FROM "OrganizationCountDeltas" k
        WHERE k."PartnerId" IN (SELECT "Id" FROM scope){keys}
        """;

    /// Counts per status of a common search term, each counted up to the cap: a walk per partner
    /// in index order that stops once the cap is reached.
    private string CappedCountsSql(string scope, string filter) => $"""
        {scope}
        SELECT st, (SELECT count(*) FROM (
            SELECT 1 FROM scope s CROSS JOIN LATERAL (
                SELECT 1 FROM "Organizations" o WHERE o."PartnerId" = s."Id" AND o."Status" = st{filter} LIMIT {SearchCountCap + 1}
            ) x LIMIT {SearchCountCap + 1}) y)
        FROM unnest(ARRAY['{OrganizationStatus.Active}', '{OrganizationStatus.Suspended}', '{OrganizationStatus.Unsubscribed}', '{OrganizationStatus.Deleted}']::text[]) AS st;
        """;

    /// Counts per status over the matching organizations (a search cannot use counters).
    private static string ExactCountsSql(string scope, string filter) => $"""
        {scope}
        SELECT o."Status", count(*) FROM "Organizations" o
        WHERE o."PartnerId" IN (SELECT "Id" FROM scope){filter}
        GROUP BY o."Status";
        """;

    private static RowData ReadRow(DbDataReader r) => new()
    {
        Probe = r.GetBoolean(0),
        Id = r.GetGuid(1),
        NameNormalized = r.GetString(2),
        PublicId = r.GetString(3),
        Name = r.GetString(4),
        PlanType = Enum.Parse<PlanType>(r.GetString(5)),
        PlanName = r.GetString(6),
        MonthlyPrice = r.GetDecimal(7),
        Currency = r.GetString(8),
        OwnerEmail = r.GetString(9),
        Seats = r.IsDBNull(10) ? null : r.GetInt32(10),
        AutoLicense = r.GetBoolean(11),
        SeatsInUse = r.GetInt32(12),
        StorageUsedBytes = r.GetInt64(13),
        Status = Enum.Parse<OrganizationStatus>(r.GetString(14)),
        PurgeDueAt = r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15),
        DeletedAt = r.IsDBNull(16) ? null : r.GetFieldValue<DateTimeOffset>(16),
        StatusChangedAt = r.GetFieldValue<DateTimeOffset>(17),
        CredentialError = r.GetBoolean(18),
        StorageLogicalBytes = r.GetInt64(19),
    };

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
