using System.Data.Common;
using System.Net;
using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Hosting;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// What every engine must do once the host runs: answer health checks, and purge through the real
/// Quartz scheduler with its persistent store.
public abstract class RunningHostTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private static readonly Actor Tester = new("tests", "Web tests");

    protected CustosApp App => fixture.App;

    [Fact]
    public async Task Healthz_WhenRunning_ReportsDatabaseAndSchedulerHealthy()
    {
        using var http = App.CreateHttpClient();

        using var response = await http.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
        var checks = json.RootElement.GetProperty("checks");
        checks.GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
        checks.GetProperty("scheduler").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task Startup_OnAnEmptyDatabase_AppliesEveryMigration()
    {
        var (all, applied) = await App.InDatabaseAsync(async db =>
            (db.Database.GetMigrations().ToList(), (await db.Database.GetAppliedMigrationsAsync()).ToList()));

        all.ShouldNotBeEmpty();
        applied.ShouldBe(all);
    }

    [Fact]
    public async Task PurgeJob_WhenUnsubscribedWithoutGrace_DeletesPurgesAndAuditsOnce()
    {
        var logMark = App.Logs.Count;
        var runs = await JobRuns.AttachAsync(App, PurgeJob.Key);
        var org = await CreateOrganizationAsync();
        var folder = App.Blobs.FolderOf(org.Id);
        Directory.CreateDirectory(Path.Combine(folder, "packs"));
        await File.WriteAllTextAsync(Path.Combine(folder, "packs", "0001.pack"), "backup data");

        var unsubscribed = await App.InScopeAsync(sp => sp.GetRequiredService<UnsubscribeOrganization>()
            .HandleAsync(new OrganizationCommand(Scope.Everything, Tester, org.Id), CancellationToken.None));
        unsubscribed.Error.ShouldBeNull();

        var purged = await Eventually.Async(
            () => StateOfAsync(org.Id),
            s => s.PurgedAt is not null,
            "the purge job to purge the unsubscribed organization");
        purged.Status.ShouldBe(OrganizationStatus.Deleted);
        Directory.Exists(folder).ShouldBeFalse();
        (await PurgeEntriesAsync(org.Id)).ShouldBe(["system"]);

        await runs.WaitForMoreAsync(3);
        (await PurgeEntriesAsync(org.Id)).Count.ShouldBe(1);
        (await StateOfAsync(org.Id)).ShouldBe(purged);
        runs.Failures.ShouldBeEmpty();
        App.Logs.AtLeast(LogLevel.Error, logMark).ShouldBeEmpty();
    }

    [Fact]
    public async Task Scheduler_WhenRunning_KeepsThePurgeTriggerInTheDatabase()
    {
        var (tables, triggers) = await App.InDatabaseAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            try
            {
                var tables = await ReadAsync(connection, fixture.Provider == DatabaseProvider.Postgres
                    ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                    : "SELECT name FROM sqlite_master WHERE type = 'table'", "table_name", "name");
                var triggerTable = tables.Single(t => t.Equals("qrtz_triggers", StringComparison.OrdinalIgnoreCase));
                var triggers = await ReadAsync(connection, $"SELECT * FROM \"{triggerTable}\"", "trigger_name");
                return (tables, triggers);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });

        tables.Select(t => t.ToUpperInvariant()).ShouldContain("QRTZ_JOB_DETAILS");
        triggers.ShouldContain("purge-due-organizations");
    }

    private async Task<Organization> CreateOrganizationAsync() =>
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..8];
            var partner = Partner.Create($"Purge Partner {unique}", "DE", null, isDistributor: false, now).Value!;
            var plan = Plan.Create($"Backup {unique}", PlanType.Backup, 3m, "EUR", 100, now).Value!;
            db.Partners.Add(partner);
            db.Plans.Add(plan);
            (await db.PlatformSettings.SingleAsync()).UnsubscribeGraceDays = 0;
            await db.SaveChangesAsync();

            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, Tester, partner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo("Ada", "Lovelace", $"ada.{unique}@example.test", "DE", $"Analytical Engines {unique}"),
                    AutoLicense: false,
                    Seats: 10)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            return created.Value!;
        });

    private Task<OrganizationState> StateOfAsync(Guid id) =>
        App.InDatabaseAsync(db => db.Organizations.AsNoTracking()
            .Where(o => o.Id == id)
            .Select(o => new OrganizationState(o.Status, o.PurgeDueAt, o.PurgedAt))
            .SingleAsync());

    /// The actors of the organization's OrganizationPurged audit entries.
    private Task<List<string>> PurgeEntriesAsync(Guid id) =>
        App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.OrganizationId == id && a.EventType == AuditEventType.OrganizationPurged)
            .Select(a => a.ActorId)
            .ToListAsync());

    /// The values of the first of <paramref name="columns"/> the query returns (compared ignoring case).
    private static async Task<List<string>> ReadAsync(DbConnection connection, string sql, params string[] columns)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var ordinal = Enumerable.Range(0, reader.FieldCount)
            .First(i => columns.Contains(reader.GetName(i), StringComparer.OrdinalIgnoreCase));
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(ordinal));
        }

        return values;
    }

    private sealed record OrganizationState(OrganizationStatus Status, DateTimeOffset? PurgeDueAt, DateTimeOffset? PurgedAt);
}

public sealed class SqliteHostTests(SqliteHostFixture fixture) : RunningHostTests<SqliteHostFixture>(fixture)
{
    [Fact]
    public async Task Home_WhenSignedOut_SaysWhatCustosIs()
    {
        using var http = App.CreateHttpClient();

        using var response = await http.GetAsync("/");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        Html.Title(html).ShouldContain("Custos");
        Html.Text(html).ShouldContain("Backup that managed service providers run for their customers");
    }

    [Fact]
    public async Task UnknownPath_WhenRequested_Answers404WithTheNotFoundPage()
    {
        using var http = App.CreateHttpClient();

        using var response = await http.GetAsync("/no-such-page/" + Guid.NewGuid().ToString("N"));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        Html.Title(html).ShouldBe("Not found — Custos");
        Html.Text(html).ShouldContain("There is nothing at this address");
    }
}

public sealed class PostgresHostTests(PostgresHostFixture fixture) : RunningHostTests<PostgresHostFixture>(fixture)
{
    [Fact]
    public async Task Scheduler_OnPostgres_RunsClustered()
    {
        // A clustered node checks in to qrtz_scheduler_state from a background thread, soon after start.
        var instances = await Eventually.Async(CheckedInNodesAsync, n => n > 0, "the scheduler to check in to the cluster");

        instances.ShouldBe(1);
    }

    private Task<int> CheckedInNodesAsync() =>
        App.InDatabaseAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync();
            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'Custos'";
                return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });
}
