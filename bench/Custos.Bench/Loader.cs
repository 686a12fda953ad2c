using System.Diagnostics;
using Bogus;
using Custos.Data;
using Custos.Data.Counting;
using Custos.Domain;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Custos.Bench;

/// Builds the benchmark database: the real migrations, then partners and organizations by binary COPY.
internal static class Loader
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static readonly string[] Odd =
    [
        "100% Dental_Care", "O'Brien & Sons", "Café Müller", "Zürich Ärzte Praxis", "🚀 Rocket Labs",
        "Smile 😀 Dental", "Ñandú Logística", "\"Quoted\" Holdings", "50_50 Partners", "Crème Brûlée Bakery",
        "Ōsaka Trading", "Łódź Software", "Straße & Weg", "Back\\slash Ltd", "Ａｃｍｅ Ｗｉｄｅ",
    ];

    public static async Task<BenchData> LoadAsync(string connectionString, int organizationCount, int seed)
    {
        var total = Stopwatch.StartNew();
        await using (var db = Contexts.Create(connectionString))
        {
            await db.Database.MigrateAsync();
        }

        var now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

        // Grace windows are placed against the real clock: a host started on this data must find
        // no purge due, whatever the day the benchmark runs.
        var today = TimeProvider.System.GetUtcNow();
        var plans = new[]
        {
            Plan.Create("Personal Mail", PlanType.Personal, 2.50m, "EUR", 50, now).Value!,
            Plan.Create("Backup Standard", PlanType.Backup, 3.00m, "EUR", 100, now).Value!,
            Plan.Create("Backup Plus", PlanType.Backup, 4.50m, "EUR", 250, now).Value!,
            Plan.Create("Archiver", PlanType.Archiver, 6.00m, "EUR", 1000, now).Value!,
        };
        await using (var db = Contexts.Create(connectionString))
        {
            db.Plans.AddRange(plans);
            await db.SaveChangesAsync();
        }

        var rnd = new Random(seed);
        var faker = new Faker("en") { Random = new Randomizer(seed) };

        // 10 distributors → 198 partners → 792 sub-partners.
        var partners = new List<PartnerRow>();
        var distributors = new List<PartnerRow>();
        for (var d = 0; d < 10; d++)
        {
            distributors.Add(NewPartner(partners, null, true, faker, rnd));
        }

        var mids = new List<PartnerRow>();
        for (var i = 0; i < 198; i++)
        {
            mids.Add(NewPartner(partners, distributors[i % 10], false, faker, rnd));
        }

        var subs = new List<PartnerRow>();
        for (var i = 0; i < 792; i++)
        {
            subs.Add(NewPartner(partners, mids[i % 198], false, faker, rnd));
        }

        // 20 big partners (two per distributor subtree) with 20,000 each; the rest skewed (log-normal).
        var big = subs.Take(20).ToHashSet();
        var rest = partners.Where(p => !big.Contains(p)).ToList();
        var bigTotal = Math.Min(organizationCount / 2, 20 * 20_000 * organizationCount / 1_000_000);
        var weights = rest.Select(_ => Math.Exp(Gaussian(rnd))).ToArray();
        var sum = weights.Sum();
        var counts = new Dictionary<PartnerRow, int>();
        foreach (var p in big)
        {
            counts[p] = bigTotal / 20;
        }

        var remaining = organizationCount - counts.Values.Sum();
        for (var i = 0; i < rest.Count; i++)
        {
            counts[rest[i]] = (int)(remaining * weights[i] / sum);
        }

        counts[rest[0]] += organizationCount - counts.Values.Sum();

        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await Exec(conn, "SET session_replication_role = replica");

        var sw = Stopwatch.StartNew();
        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY \"Partners\" (\"Id\",\"PublicId\",\"Name\",\"ParentId\",\"Path\",\"IsDistributor\",\"Country\",\"IsActive\",\"MayTransfer\",\"KeepBackingUpSuspended\",\"ShowSendSignIn\",\"CreatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var p in partners)
            {
                w.StartRow();
                w.Write(p.Id, NpgsqlDbType.Uuid);
                w.Write(p.PublicId, NpgsqlDbType.Varchar);
                w.Write(p.Name, NpgsqlDbType.Varchar);
                if (p.ParentId is { } parent)
                {
                    w.Write(parent, NpgsqlDbType.Uuid);
                }
                else
                {
                    w.WriteNull();
                }

                w.Write(p.Path, NpgsqlDbType.Varchar);
                w.Write(p.IsDistributor, NpgsqlDbType.Boolean);
                w.Write("NL", NpgsqlDbType.Varchar);
                w.Write(true, NpgsqlDbType.Boolean);
                w.Write(true, NpgsqlDbType.Boolean);
                w.Write(false, NpgsqlDbType.Boolean);
                w.Write(true, NpgsqlDbType.Boolean);
                w.Write(now.UtcDateTime, NpgsqlDbType.TimestampTz);
            }

            await w.CompleteAsync();
        }

        // Load without the organization indexes (as a restore would), then build them once.
        var indexDefs = new List<(string Name, string Def)>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'Organizations' AND indexname <> 'PK_Organizations'", conn))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                indexDefs.Add((r.GetString(0), r.GetString(1)));
            }
        }

        foreach (var (name, _) in indexDefs)
        {
            await Exec(conn, $"DROP INDEX \"{name}\"");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var publicIds = new HashSet<string>(StringComparer.Ordinal);
        var sampleIds = new Dictionary<Guid, string>();
        var n = 0;
        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY \"Organizations\" (\"Id\",\"PublicId\",\"PartnerId\",\"PlanId\",\"PlanType\",\"Name\",\"NameNormalized\",\"OwnerFirstName\",\"OwnerLastName\",\"OwnerEmail\",\"OwnerEmailNormalized\",\"Country\",\"AutoLicense\",\"Seats\",\"SeatsInUse\",\"StorageUsedBytes\",\"Status\",\"CreatedAt\",\"StatusChangedAt\",\"UnsubscribedAt\",\"PurgeDueAt\",\"DeletedAt\",\"PurgedAt\",\"BillingEndsAt\",\"WormEnabled\",\"RetentionUntil\",\"DpoEnabled\",\"PendingDpoAction\",\"DpoApprovedAt\",\"CredentialError\",\"Version\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (partner, count) in counts)
            {
                for (var i = 0; i < count; i++, n++)
                {
                    var name = NewName(faker, rnd, names);
                    string publicId;
                    do
                    {
                        publicId = "ORG-" + string.Create(8, rnd, static (span, r) =>
                        {
                            for (var k = 0; k < span.Length; k++)
                            {
                                span[k] = Alphabet[r.Next(Alphabet.Length)];
                            }
                        });
                    }
                    while (!publicIds.Add(publicId));

                    var id = Guid.CreateVersion7();
                    sampleIds.TryAdd(partner.Id, publicId);
                    var planRoll = rnd.Next(100);
                    var plan = planRoll < 15 ? plans[0] : planRoll < 50 ? plans[1] : planRoll < 75 ? plans[2] : plans[3];
                    var roll = rnd.Next(100);
                    var status = roll < 70 ? "Active" : roll < 80 ? "Suspended" : roll < 90 ? "Unsubscribed" : "Deleted";
                    var first = faker.Name.FirstName();
                    var last = faker.Name.LastName();
                    var email = $"{first}.{last}.{n}@example.test";
                    var auto = plan.Type != PlanType.Personal && rnd.Next(5) == 0;
                    int? seats = plan.Type == PlanType.Personal || auto ? null : rnd.Next(5, 250);
                    var created = now.AddDays(-rnd.Next(1, 900));
                    var changed = created.AddDays(rnd.Next(0, 30));
                    if (status == "Unsubscribed")
                    {
                        // A steady state: every purge that was due has run, so an Unsubscribed
                        // organization is inside its grace window (else the host's purge job would
                        // spend a benchmark purging the backlog).
                        changed = today.AddDays(-rnd.Next(0, 44)).AddHours(-rnd.Next(0, 24));
                        created = created < changed ? created : changed.AddDays(-1);
                    }

                    w.StartRow();
                    w.Write(id, NpgsqlDbType.Uuid);
                    w.Write(publicId, NpgsqlDbType.Varchar);
                    w.Write(partner.Id, NpgsqlDbType.Uuid);
                    w.Write(plan.Id, NpgsqlDbType.Uuid);
                    w.Write(plan.Type.ToString(), NpgsqlDbType.Varchar);
                    w.Write(name, NpgsqlDbType.Varchar);
                    w.Write(TextKey.Name(name), NpgsqlDbType.Varchar);
                    w.Write(first, NpgsqlDbType.Varchar);
                    w.Write(last, NpgsqlDbType.Varchar);
                    w.Write(email, NpgsqlDbType.Varchar);
                    w.Write(TextKey.Email(email), NpgsqlDbType.Varchar);
                    w.Write("NL", NpgsqlDbType.Varchar);
                    w.Write(auto, NpgsqlDbType.Boolean);
                    if (seats is { } s)
                    {
                        w.Write(s, NpgsqlDbType.Integer);
                    }
                    else
                    {
                        w.WriteNull();
                    }

                    w.Write(seats is { } s2 ? rnd.Next(1, s2) : rnd.Next(1, 120), NpgsqlDbType.Integer);
                    w.Write(rnd.NextInt64(50_000_000, 400_000_000_000), NpgsqlDbType.Bigint);
                    w.Write(status, NpgsqlDbType.Varchar);
                    w.Write(created.UtcDateTime, NpgsqlDbType.TimestampTz);
                    w.Write(changed.UtcDateTime, NpgsqlDbType.TimestampTz);
                    WriteTime(w, status == "Unsubscribed" ? changed : null);
                    WriteTime(w, status == "Unsubscribed" ? changed.AddDays(45) : null);
                    WriteTime(w, status == "Deleted" ? changed : null);
                    w.WriteNull();
                    w.WriteNull();
                    w.Write(false, NpgsqlDbType.Boolean);
                    w.WriteNull();
                    w.Write(false, NpgsqlDbType.Boolean);
                    w.Write("None", NpgsqlDbType.Varchar);
                    w.WriteNull();
                    w.Write(rnd.Next(100) < 5, NpgsqlDbType.Boolean);
                    w.Write(1, NpgsqlDbType.Integer);
                }
            }

            await w.CompleteAsync();
        }

        var copySeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        foreach (var (_, def) in indexDefs)
        {
            await Exec(conn, def);
        }

        var indexSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        await Exec(conn, "ANALYZE");

        // COPY ran with triggers off (replica role): count the tab counters from the rows, as a repair would.
        await Exec(conn, "SET session_replication_role = origin");
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await using var rebuild = new NpgsqlCommand(OrganizationCounters.RebuildSql, conn, tx);
            await rebuild.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }

        await Exec(conn, "ANALYZE \"OrganizationCounts\"");
        Console.Error.WriteLine(
            $"loaded {partners.Count} partners, {n} organizations: COPY {copySeconds:F1} s, indexes {indexSeconds:F1} s, ANALYZE {sw.Elapsed.TotalSeconds:F1} s, total {total.Elapsed.TotalSeconds:F1} s");

        // The small partner: a sub-partner near the median.
        var ordered = subs.Where(p => !big.Contains(p)).OrderBy(p => counts[p]).ToList();
        var small = ordered[ordered.Count / 2];
        var distributor = distributors[0];
        var distributorSample = counts.Where(c => c.Key.Path.StartsWith(distributor.Path, StringComparison.Ordinal) && c.Value > 0)
            .Select(c => sampleIds[c.Key.Id]).First();
        return new BenchData(distributor.Path, distributor.Id, counts.Where(c => c.Key.Path.StartsWith(distributor.Path, StringComparison.Ordinal)).Sum(c => c.Value),
            small.Path, small.Id, counts[small], distributorSample, sampleIds.TryGetValue(small.Id, out var s3) ? s3 : distributorSample);
    }

    private static void WriteTime(NpgsqlBinaryImporter w, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.Write(v.UtcDateTime, NpgsqlDbType.TimestampTz);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static string NewName(Faker faker, Random rnd, HashSet<string> names)
    {
        var baseName = rnd.Next(100) < 2 ? Odd[rnd.Next(Odd.Length)] : faker.Company.CompanyName();
        var name = baseName;
        for (var k = 2; !names.Add(TextKey.Name(name)); k++)
        {
            name = baseName + " " + k;
        }

        return name;
    }

    private static PartnerRow NewPartner(List<PartnerRow> all, PartnerRow? parent, bool distributor, Faker faker, Random rnd)
    {
        var id = Guid.NewGuid();
        var row = new PartnerRow(
            id,
            "P-" + new string([.. Enumerable.Range(0, 7).Select(_ => Alphabet[rnd.Next(Alphabet.Length)])]),
            faker.Company.CompanyName() + " " + (all.Count + 1),
            parent?.Id,
            (parent?.Path ?? "/") + id.ToString("N") + "/",
            distributor);
        all.Add(row);
        return row;
    }

    private static double Gaussian(Random rnd)
    {
        var u1 = 1.0 - rnd.NextDouble();
        var u2 = rnd.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    private sealed record PartnerRow(Guid Id, string PublicId, string Name, Guid? ParentId, string Path, bool IsDistributor);
}

/// What the measuring step needs to know about the loaded data.
internal sealed record BenchData(
    string DistributorPath, Guid DistributorId, int DistributorOrganizations,
    string SmallPath, Guid SmallId, int SmallOrganizations,
    string DistributorPublicId, string SmallPublicId);

internal static class Contexts
{
    public static PostgresAppDbContext Create(string connectionString) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(connectionString).Options);
}
