using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Exports;

/// <see cref="PortalWorld"/> plus 45 active organizations of Sub Partner whose names hold quotes,
/// commas, emoji, non-Latin letters and formula-like starts, two unsubscribed ones, and an Owner of
/// the other tree (who must never see Sub's exports).
public abstract class ExportWorldFixture(HostFixture host) : IAsyncLifetime
{
    public const string OtherOwner = "owner@other.test";
    public const int ActiveOrganizations = 45;

    /// Names that test the CSV: quoting, Unicode, and cells a spreadsheet would run as formulas.
    public static readonly string[] SpecialNames =
    [
        "Quote \"Q\" Holdings", "Comma, Semicolon; Ltd", "Rocket 🚀 Backups", "日本語の会社", "Ελληνική Εταιρεία",
        "=1+1", "+SUM(A1:A9)", "-2", "@cmd", "Back\\slash & <b>Tags</b>", "100% _under_ score", "Ünïcödé Straße GmbH",
        "Archive=Inside",
    ];

    private static readonly Actor Seeder = new("tests", "Export tests");

    public CustosApp App => host.App;

    public PortalWorld World { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await host.InitializeAsync();
        try
        {
            World = await PortalWorld.SeedAsync(App);
            await SeedAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync() => host.DisposeAsync();

    private Task SeedAsync() => App.InScopeAsync(async sp =>
    {
        var db = sp.GetRequiredService<AppDbContext>();
        var create = sp.GetRequiredService<CreateOrganization>();
        async Task<Guid> CreateAsync(Plan plan, string first, string last, string email, string name)
        {
            var created = await create.HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, Seeder, World.Sub.Id, plan.Id, new NewOrganization(
                    new PersonalInfo(first, last, email, "AT", name), AutoLicense: plan.Type == PlanType.Archiver, Seats: plan.Type == PlanType.Backup ? 10 : null)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            return created.Value!.Id;
        }

        var ids = new List<Guid>();
        for (var i = 0; i < SpecialNames.Length; i++)
        {
            var plan = i % 3 == 2 ? World.Archiver : World.Backup;
            ids.Add(await CreateAsync(plan, "Seed", "Owner", $"special{i}@sub.test", SpecialNames[i]));
        }

        // A Personal organization takes its owner's name, quotes and comma included.
        ids.Add(await CreateAsync(World.Personal, "Zoë", "O'Brien, \"Jr\"", "zoe@sub.test", ""));
        for (var i = ids.Count; i < ActiveOrganizations; i++)
        {
            ids.Add(await CreateAsync(i % 4 == 0 ? World.Archiver : World.Backup, "Seed", "Owner", $"customer{i}@sub.test", $"Customer {i:00}"));
        }

        // Storage, seats in use and credential errors as backups would leave them.
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var bytes = i * 987_654_321L;
            await db.Organizations.Where(o => o.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(o => o.StorageUsedBytes, bytes)
                .SetProperty(o => o.StorageLogicalBytes, bytes * 3 + 17)
                .SetProperty(o => o.SeatsInUse, i % 7)
                .SetProperty(o => o.CredentialError, i % 5 == 1));
        }

        var unsubscribe = sp.GetRequiredService<UnsubscribeOrganization>();
        foreach (var name in new[] { "Leaving, \"Soon\"", "=Leaving" })
        {
            var id = await CreateAsync(World.Backup, "Seed", "Owner", $"leaving{name.Length}@sub.test", name);
            (await unsubscribe.HandleAsync(new OrganizationCommand(Scope.Everything, Seeder, id), CancellationToken.None)).Error.ShouldBeNull();
        }

        var users = sp.GetRequiredService<UserManager<AppUser>>();
        var other = new AppUser
        {
            UserName = OtherOwner,
            Email = OtherOwner,
            EmailConfirmed = true,
            DisplayName = "Other Owner",
            PartnerId = World.Other.Id,
            Role = PartnerRole.Owner,
        };
        (await users.CreateAsync(other, PortalWorld.Password)).Succeeded.ShouldBeTrue();
    });
}

public sealed class SqliteExportWorldFixture() : ExportWorldFixture(new ExportHost(DatabaseProvider.Sqlite));

public sealed class PostgresExportWorldFixture() : ExportWorldFixture(new ExportHost(DatabaseProvider.Postgres));

/// A host whose export job saves its progress every <see cref="ProgressEvery"/> rows, so a
/// 45-row export goes through the progress saves (on a second connection while the rows are read).
public sealed class ExportHost(DatabaseProvider provider) : HostFixture
{
    public const int ProgressEvery = 10;

    private string? _connectionString;

    public override DatabaseProvider Provider => provider;

    protected override async Task<CustosAppOptions> PrepareAsync(string dataPath)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            _connectionString = await TestPostgres.CreateDatabaseAsync("custos_export");
        }

        return new CustosAppOptions(dataPath)
        {
            Provider = provider,
            ConnectionString = _connectionString,
            Services = services => services.AddScoped(sp => new RunCsvExports(
                sp.GetRequiredService<AppDbContext>(), sp.GetRequiredService<Outbox>(), sp.GetRequiredService<ExportFolder>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ILogger<RunCsvExports>>())
            {
                ProgressEvery = ProgressEvery,
            }),
        };
    }

    protected override async Task CleanUpAsync()
    {
        if (_connectionString is not null)
        {
            await TestPostgres.DropDatabaseAsync(_connectionString);
        }
    }
}
