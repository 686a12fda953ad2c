using System.Net;
using Custos.Data;
using Custos.Domain.Exports;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.Exports;

/// An export confirmed on a host that stops before building it (here: a host without a scheduler,
/// as a node that dies right after answering) is saved as queued, and the next host builds it.
public sealed class CsvExportRestartTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task QueuedExport_LeftByAStoppedHost_IsBuiltByTheNextHost(DatabaseProvider provider)
    {
        using var data = new TempFolder("export-restart");
        var connectionString = provider == DatabaseProvider.Postgres ? await TestPostgres.CreateDatabaseAsync("custos_export") : null;
        try
        {
            CustosAppOptions Options(bool scheduler) => new(data.Path)
            {
                Provider = provider,
                ConnectionString = connectionString,
                Settings = new Dictionary<string, string?> { ["Custos:Scheduler:Enabled"] = scheduler ? "true" : "false" },
            };

            Guid id;
            await using (var first = await CustosApp.StartAsync(Options(scheduler: false)))
            {
                await PortalWorld.SeedAsync(first);
                using var session = await PortalSession.SignInAsync(first, PortalWorld.TopOwner, PortalWorld.Password);
                using var posted = await session.PostFormAsync("/organizations/export", "export-csv", []);
                posted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
                var queued = await first.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync());
                queued.State.ShouldBe(CsvExportState.Queued);
                id = queued.Id;
            }

            await using var second = await CustosApp.StartAsync(Options(scheduler: true));
            var done = await Eventually.Async(
                () => second.InDatabaseAsync(db => db.CsvExports.AsNoTracking().SingleAsync(e => e.Id == id)),
                e => e.State == CsvExportState.Ready, "the queued export built by the next host");

            done.RowsSoFar.ShouldBe(1);
            File.Exists(Path.Combine(data.Path, "exports", $"{id:N}.csv")).ShouldBeTrue();
        }
        finally
        {
            if (connectionString is not null)
            {
                await TestPostgres.DropDatabaseAsync(connectionString);
            }
        }
    }
}
