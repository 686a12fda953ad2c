using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.DataPlane;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// The partner tree and plan catalog every test class starts from.
/// Distributor → Partner (the acting partner in most tests) → SubPartner; Foreign is another tree.
public sealed record SeededData(
    Partner Distributor,
    Partner Partner,
    Partner SubPartner,
    Partner Foreign,
    Plan Personal,
    Plan Backup,
    Plan Backup2,
    Plan Archiver);

/// One migrated database per test class, the real DI wiring of the control plane, a fake clock and
/// the real storage purger over a temp data folder. Subclasses pick the engine.
public abstract class DatabaseFixture : IAsyncLifetime
{
    /// A whole second, so instants survive PostgreSQL's microsecond precision unchanged.
    public static readonly DateTimeOffset Start = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private ServiceProvider? _services;
    private SeededData? _seed;

    protected DatabaseFixture()
    {
        WorkDir = Path.Combine(Path.GetTempPath(), "custos-controlplane-tests-" + Guid.NewGuid().ToString("N"));
        Storage = StorageOptions.ForDataPath(WorkDir);
        Blobs = new LocalBlobStore(Storage);
        Purger = new InterruptiblePurger();
    }

    public abstract string Engine { get; }

    public FakeTimeProvider Clock { get; } = new(Start);

    /// Temp folder of this fixture: the blob root, and the SQLite file.
    public string WorkDir { get; }

    public StorageOptions Storage { get; }

    /// Organizations' pack folders, as the storage purger sees them.
    public LocalBlobStore Blobs { get; }

    public InterruptiblePurger Purger { get; }

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("The fixture is not initialized.");

    public SeededData Seed => _seed ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Storage.BlobPath);
        await PrepareAsync();
        _services = BuildServices();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync();
        _seed = await SeedAsync(db, Clock.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await DropDatabaseAsync();
        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, recursive: true);
        }
    }

    /// The services a host would register, over this fixture's database. <paramref name="database"/>
    /// adds to the DbContext options (e.g. an interceptor) for a test that needs it; <paramref name="imap"/>
    /// replaces the IMAP settings (small batches, short timeouts).
    public ServiceProvider BuildServices(Action<DbContextOptionsBuilder>? database = null, ImapOptions? imap = null)
    {
        var services = new ServiceCollection();
        AddDbContext(services, database ?? (_ => { }));
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging();
        services.AddControlPlane();
        services.AddCustosStorage(Storage);
        services.AddSingleton<IOrganizationDataPurger>(sp => Purger.Around(sp.GetRequiredService<StoragePurger>()));
        services.AddDataPlane(imap ?? new ImapOptions());

        // What the host provides to the control plane: where links in mail point, where exports go.
        services.AddSingleton<IMailAddresses, TestMailAddresses>();
        services.AddSingleton(new ExportFolder(Path.Combine(WorkDir, "exports")));

        // The partner user use cases work through Identity's UserManager, as in the host.
        // Keys in the fixture's folder, so a second provider (a restarted node) reads what the first protected.
        services.AddDataProtection().SetApplicationName("custos-tests").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(WorkDir, "keys")));
        services.AddIdentityCore<AppUser>().AddEntityFrameworkStores<AppDbContext>().AddDefaultTokenProviders().AddPasswordLinkTokens();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// Checks the engine is reachable and names this fixture's database.
    protected abstract Task PrepareAsync();

    protected abstract void AddDbContext(IServiceCollection services, Action<DbContextOptionsBuilder> more);

    protected abstract Task DropDatabaseAsync();

    private static async Task<SeededData> SeedAsync(AppDbContext db, DateTimeOffset now)
    {
        var distributor = Ok(Partner.Create("Distributor GmbH", "DE", null, isDistributor: true, now));
        var partner = Ok(Partner.Create("Northwind IT", "DE", distributor, isDistributor: false, now));
        var subPartner = Ok(Partner.Create("Northwind Branch", "AT", partner, isDistributor: false, now));
        var foreign = Ok(Partner.Create("Contoso Services", "FR", null, isDistributor: false, now));
        var personal = Ok(Plan.Create("Personal", PlanType.Personal, 3m, "EUR", 50, now));
        var backup = Ok(Plan.Create("Backup", PlanType.Backup, 2.5m, "EUR", 50, now));
        var backup2 = Ok(Plan.Create("Backup Plus", PlanType.Backup, 3.5m, "EUR", 100, now));
        var archiver = Ok(Plan.Create("Archiver", PlanType.Archiver, 4.5m, "EUR", 200, now));
        db.Partners.AddRange(distributor, partner, subPartner, foreign);
        db.Plans.AddRange(personal, backup, backup2, archiver);
        await db.SaveChangesAsync();
        return new SeededData(distributor, partner, subPartner, foreign, personal, backup, backup2, archiver);
    }

    private static T Ok<T>(Domain.Result<T> result) =>
        result.Error is null ? result.Value! : throw new InvalidOperationException("Seeding failed: " + result.Error.Message);
}
