using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custos.ControlPlane.Tests;

/// The organization use cases against a real database. The same tests run once per engine (see the
/// subclasses at the end of this file). Each use case runs in its own DI scope, as a web request
/// would, and every outcome is read back from the database in a fresh scope.
/// Tests of one class share a database and a clock, so each works on its own organizations
/// (unique emails and names) and the clock only ever moves forward.
public abstract partial class OrganizationUseCaseTests(DatabaseFixture fixture)
{
    public enum CommandKind
    {
        Suspend,
        Reactivate,
        Unsubscribe,
        Delete,
        ChangePlan,
        ChangeSeats,
        SetAutoLicense,
        UpdatePersonalInfo,
    }

    protected const int DefaultSeats = 10;

    protected static readonly Actor Ann = new("user-ann", "Ann Admin");

    protected static readonly TimeSpan Grace = TimeSpan.FromDays(PlatformSettings.DefaultGraceDays);

    protected FakeTimeProvider Clock => fixture.Clock;

    protected SeededData Seed => fixture.Seed;

    /// The acting partner: Seed.Partner sees itself and SubPartner, never Distributor or Foreign.
    protected Scope Acting => Scope.Partner(Seed.Partner);

    protected static string NewTag() => Guid.NewGuid().ToString("N")[..12];

    protected static PersonalInfo Info(string tag, string? email = null, string? name = null, string? country = "DE") =>
        new("Ann", "Smith", email ?? $"owner.{tag}@example.com", country, name ?? $"Acme {tag}");

    protected static NewOrganization NewOrg(Plan plan, PersonalInfo info, bool autoLicense = false) =>
        new(info, autoLicense, Plan.HasSeats(plan.Type) && !autoLicense ? DefaultSeats : null);

    protected OrganizationCommand Command(Guid organizationId, Scope? scope = null, int? expectedVersion = null) =>
        new(scope ?? Acting, Ann, organizationId, expectedVersion);

    // ---- running use cases, each in its own scope ----------------------------------------------

    protected async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    protected Task<T> UseAsync<TUseCase, T>(Func<TUseCase, Task<T>> call)
        where TUseCase : notnull =>
        InScopeAsync(sp => call(sp.GetRequiredService<TUseCase>()));

    protected Task<T> ReadAsync<T>(Func<AppDbContext, Task<T>> query) =>
        InScopeAsync(sp => query(sp.GetRequiredService<AppDbContext>()));

    protected Task<Result<Organization>> CreateAsync(Partner partner, Plan plan, NewOrganization input, Scope? scope = null) =>
        UseAsync<CreateOrganization, Result<Organization>>(u => u.HandleAsync(
            new CreateOrganizationRequest(scope ?? Scope.Partner(partner), Ann, partner.Id, plan.Id, input), default));

    /// A new Active organization (Backup, 10 seats, for the acting partner unless told otherwise).
    protected async Task<Guid> CreateOrgAsync(Partner? partner = null, Plan? plan = null, string? tag = null)
    {
        plan ??= Seed.Backup;
        var created = await CreateAsync(partner ?? Seed.Partner, plan, NewOrg(plan, Info(tag ?? NewTag())));
        return created.ShouldSucceed().Id;
    }

    protected Task<Error?> RunAsync(CommandKind kind, OrganizationCommand command) =>
        InScopeAsync(sp => RunInAsync(sp, kind, command));

    /// Runs one command through its use case; the arguments are ones that succeed on an Active
    /// Backup organization with 10 seats (Reactivate needs it Suspended first).
    protected async Task<Error?> RunInAsync(IServiceProvider sp, CommandKind kind, OrganizationCommand command) =>
        kind switch
        {
            CommandKind.Suspend => (await sp.GetRequiredService<SuspendOrganization>().HandleAsync(command, default)).Error,
            CommandKind.Reactivate => (await sp.GetRequiredService<ReactivateOrganization>().HandleAsync(command, default)).Error,
            CommandKind.Unsubscribe => (await sp.GetRequiredService<UnsubscribeOrganization>().HandleAsync(command, default)).Error,
            CommandKind.Delete => (await sp.GetRequiredService<DeleteOrganization>().HandleAsync(command, default)).Error,
            CommandKind.ChangePlan => (await sp.GetRequiredService<ChangePlan>().HandleAsync(command, Seed.Backup2.Id, default)).Error,
            CommandKind.ChangeSeats => (await sp.GetRequiredService<ChangeSeats>().HandleAsync(command, 20, default)).Error,
            CommandKind.SetAutoLicense => (await sp.GetRequiredService<SetAutoLicense>().HandleAsync(command, true, null, default)).Error,
            CommandKind.UpdatePersonalInfo => (await sp.GetRequiredService<UpdatePersonalInfo>().HandleAsync(command, Info(NewTag()), default)).Error,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

    protected Task<Result> ChangePlanAsync(OrganizationCommand command, Plan plan) =>
        UseAsync<ChangePlan, Result>(u => u.HandleAsync(command, plan.Id, default));

    protected Task<Result> ChangeSeatsAsync(OrganizationCommand command, int seats) =>
        UseAsync<ChangeSeats, Result>(u => u.HandleAsync(command, seats, default));

    protected Task<Result<DeleteOutcome>> DeleteAsync(OrganizationCommand command) =>
        UseAsync<DeleteOrganization, Result<DeleteOutcome>>(u => u.HandleAsync(command, default));

    protected Task<PurgeRun> PurgeDueAsync() =>
        UseAsync<PurgeDueOrganizations, PurgeRun>(u => u.HandleAsync(default));

    /// What the data plane reports after a backup run.
    protected Task RecordUsageAsync(Guid organizationId, int seatsInUse) =>
        ReadAsync(async db =>
        {
            var org = await db.Organizations.SingleAsync(o => o.Id == organizationId);
            org.RecordUsage(seatsInUse, 1_000_000, retentionUntil: null);
            return await db.SaveChangesAsync();
        });

    // ---- reading outcomes ----------------------------------------------------------------------

    protected Task<Organization> LoadAsync(Guid organizationId) =>
        ReadAsync(db => db.Organizations.AsNoTracking().Include(o => o.History).SingleAsync(o => o.Id == organizationId));

    protected Task<List<AuditEntry>> AuditOfAsync(Guid organizationId) =>
        ReadAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.OrganizationId == organizationId).OrderBy(a => a.Id).ToListAsync());

    protected Task<List<SubscriptionHistoryEntry>> HistoryOfAsync(Guid organizationId) =>
        ReadAsync(db => db.SubscriptionHistory.AsNoTracking().Where(h => h.OrganizationId == organizationId).OrderBy(h => h.Day).ToListAsync());

    /// Rows in the tables a refused create or command must not touch.
    protected Task<RowCounts> CountRowsAsync() =>
        ReadAsync(async db => new RowCounts(
            await db.Organizations.CountAsync(),
            await db.AuditEntries.CountAsync(),
            await db.SubscriptionHistory.CountAsync()));

    protected static DateOnly DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.UtcDateTime);

    /// Moves the clock to <paramref name="hour"/>:00 UTC of the next day.
    protected DateTimeOffset NextDay(int hour = 9)
    {
        var next = new DateTimeOffset(Clock.GetUtcNow().UtcDateTime.Date.AddDays(1).AddHours(hour), TimeSpan.Zero);
        Clock.SetUtcNow(next);
        return next;
    }

    /// Backup data of the organization on disk, where the real purger looks for it.
    protected string WriteBlobs(Guid organizationId)
    {
        var folder = fixture.Blobs.FolderOf(organizationId);
        Directory.CreateDirectory(Path.Combine(folder, "packs"));
        File.WriteAllBytes(Path.Combine(folder, "packs", "000001.pack"), [1, 2, 3, 4, 5]);
        File.WriteAllText(Path.Combine(folder, "index.json"), "{\"mailboxes\":1}");
        return folder;
    }

    protected sealed record RowCounts(int Organizations, int Audit, int History);
}

public sealed class OrganizationUseCaseTests_Sqlite(SqliteFixture fixture)
    : OrganizationUseCaseTests(fixture), IClassFixture<SqliteFixture>
{
}

public sealed class OrganizationUseCaseTests_Postgres(PostgresFixture fixture)
    : OrganizationUseCaseTests(fixture), IClassFixture<PostgresFixture>
{
}
