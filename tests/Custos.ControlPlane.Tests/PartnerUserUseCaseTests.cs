using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

/// The partner user and group use cases against a real database, once per engine (see the
/// subclasses at the end). Owner counts are per partner, so every test works in partners of its
/// own, created under the seeded tree; each use case runs in its own DI scope, as a request would.
public abstract partial class PartnerUserUseCaseTests(DatabaseFixture fixture)
{
    protected SeededData Seed => fixture.Seed;

    protected static string NewTag() => Guid.NewGuid().ToString("N")[..12];

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

    /// A new partner below <paramref name="parent"/> (the seeded acting partner by default).
    protected Task<Partner> NewPartnerAsync(Partner? parent = null) =>
        ReadAsync(async db =>
        {
            var partner = Partner.Create($"Partner {NewTag()}", "DE", parent ?? Seed.Partner, isDistributor: false, fixture.Clock.GetUtcNow()).Value!;
            db.Partners.Add(partner);
            await db.SaveChangesAsync();
            return partner;
        });

    /// A user of <paramref name="partner"/> made through Identity, as sign-up or seeding would.
    protected Task<AppUser> NewUserAsync(Partner partner, PartnerRole role, string? email = null) =>
        InScopeAsync(async sp =>
        {
            var tag = NewTag();
            var user = new AppUser
            {
                UserName = email ?? $"user.{tag}@example.com",
                Email = email ?? $"user.{tag}@example.com",
                DisplayName = $"{role} {tag}",
                PartnerId = partner.Id,
                Role = role,
            };
            var created = await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user);
            created.Succeeded.ShouldBeTrue(string.Join("; ", created.Errors.Select(e => e.Description)));
            return user;
        });

    protected static ActingUser As(AppUser user) => new(user.Id, new Actor(user.Id.ToString(), user.DisplayName));

    /// An Active Backup organization of <paramref name="partner"/>.
    protected Task<Guid> NewOrgAsync(Partner partner, string? name = null) =>
        UseAsync<CreateOrganization, Guid>(async u =>
        {
            var tag = NewTag();
            var created = await u.HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, Actor.System, partner.Id, Seed.Backup.Id, new NewOrganization(
                    new PersonalInfo("Ann", "Smith", $"owner.{tag}@example.com", "DE", name ?? $"Acme {tag}"), AutoLicense: false, Seats: 5)),
                default);
            return created.ShouldSucceed().Id;
        });

    protected Task<Guid> NewGroupAsync(AppUser admin, string? name = null) =>
        UseAsync<CreateGroup, Guid>(async u =>
            (await u.HandleAsync(new CreateGroupRequest(As(admin), name ?? $"Group {NewTag()}"), default)).ShouldSucceed().Id);

    protected Task<Result<CreatedPartnerUser>> CreateUserAsync(AppUser acting, string? email, string? name, PartnerRole? role) =>
        UseAsync<CreatePartnerUser, Result<CreatedPartnerUser>>(u => u.HandleAsync(new CreatePartnerUserRequest(As(acting), email, name, role), default));

    protected Task<Result> ChangeRoleAsync(AppUser acting, Guid userId, PartnerRole? role) =>
        UseAsync<ChangePartnerUserRole, Result>(u => u.HandleAsync(new ChangePartnerUserRoleRequest(As(acting), userId, role), default));

    protected Task<Result> RemoveAsync(AppUser acting, Guid userId) =>
        UseAsync<RemovePartnerUser, Result>(u => u.HandleAsync(new RemovePartnerUserRequest(As(acting), userId), default));

    protected Task<Result<GroupChange>> SetMembersAsync(AppUser acting, Guid groupId, params Guid[] userIds) =>
        UseAsync<SetGroupMembers, Result<GroupChange>>(u => u.HandleAsync(new SetGroupMembersRequest(As(acting), groupId, userIds), default));

    protected Task<Result<GroupChange>> SetOrganizationsAsync(AppUser acting, Guid groupId, Guid[] shown, Guid[] chosen) =>
        UseAsync<SetGroupOrganizations, Result<GroupChange>>(u => u.HandleAsync(new SetGroupOrganizationsRequest(As(acting), groupId, shown, chosen), default));

    protected Task<AppUser?> FindUserAsync(Guid id) =>
        ReadAsync(db => db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id));

    protected Task<List<Guid>> MembersOfAsync(Guid groupId) =>
        ReadAsync(db => db.GroupMembers.Where(m => m.GroupId == groupId).Select(m => m.UserId).ToListAsync());

    protected Task<List<Guid>> OrganizationsOfAsync(Guid groupId) =>
        ReadAsync(db => db.GroupOrganizations.Where(m => m.GroupId == groupId).Select(m => m.OrganizationId).ToListAsync());

    /// The organizations a scope sees, through the one query every page uses.
    protected Task<List<Guid>> VisibleAsync(Scope scope) =>
        ReadAsync(db => db.InScope(scope).Select(o => o.Id).ToListAsync());

    protected Task<List<AuditEntry>> AuditOfAsync(Guid partnerId) =>
        ReadAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.PartnerId == partnerId).OrderBy(a => a.Id).ToListAsync());

    /// Rows in every table a refused change must not touch.
    protected Task<RowCounts> CountRowsAsync() =>
        ReadAsync(async db => new RowCounts(
            await db.Users.CountAsync(),
            await db.AuditEntries.CountAsync(),
            await db.Groups.CountAsync(),
            await db.GroupMembers.CountAsync(),
            await db.GroupOrganizations.CountAsync()));

    protected sealed record RowCounts(int Users, int Audit, int Groups, int Members, int GroupOrganizations);
}

public sealed class PartnerUserUseCaseTests_Sqlite(SqliteFixture fixture)
    : PartnerUserUseCaseTests(fixture), IClassFixture<SqliteFixture>
{
}

public sealed class PartnerUserUseCaseTests_Postgres(PostgresFixture fixture)
    : PartnerUserUseCaseTests(fixture), IClassFixture<PostgresFixture>
{
}
