using Custos.ControlPlane.Entitlements;
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

/// Features and the operator's entitlements. A grant to a partner covers its whole subtree, so every
/// test here grants only inside a partner tree of its own (never on the seeded partners).
public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task SetOrganizationFeature_EntitledOnPartnerAbove_TurnsOnAndIsAudited()
    {
        var tree = await TreeAsync();
        var op = await OperatorAsync();
        var id = await CreateOrgAsync(tree.Leaf);
        (await GrantAsync(op, OrganizationFeature.Worm, partner: tree.Root.PublicId)).ShouldSucceed();
        var before = await LoadAsync(id);

        var result = await FeatureAsync(Command(id, Scope.Partner(tree.Root), before.Version), OrganizationFeature.Worm, true);

        result.ShouldSucceed();
        var after = await LoadAsync(id);
        after.WormEnabled.ShouldBeTrue();
        after.Version.ShouldBe(before.Version + 1);
        var audit = (await AuditOfAsync(id)).Last();
        audit.EventType.ShouldBe(AuditEventType.OrganizationFeatureTurnedOn);
        ((int)audit.EventType).ShouldBe(1151);
        audit.ActorId.ShouldBe(Ann.Id);
        audit.Before.ShouldNotBeNull().ShouldContain("\"WormEnabled\":false");
        audit.After.ShouldNotBeNull().ShouldContain("\"WormEnabled\":true");
    }

    [Fact]
    public async Task EntitledFeatures_FollowOwnGrantsAndGrantsOnThePartnerPathOnly()
    {
        var tree = await TreeAsync();
        var op = await OperatorAsync();
        var leafOrg = await CreateOrgAsync(tree.Leaf, Seed.Archiver);
        var siblingOrg = await CreateOrgAsync(tree.Sibling, Seed.Archiver);
        var rootOrg = await CreateOrgAsync(tree.Root, Seed.Archiver);
        var leafOrgPublicId = (await LoadAsync(leafOrg)).PublicId;
        (await GrantAsync(op, OrganizationFeature.Worm, partner: tree.Root.PublicId)).ShouldSucceed();
        (await GrantAsync(op, OrganizationFeature.Compliance, partner: tree.Mid.PublicId)).ShouldSucceed();
        (await GrantAsync(op, OrganizationFeature.PrivateChatBackup, organization: leafOrgPublicId.ToLowerInvariant())).ShouldSucceed();

        (await EntitledAsync(leafOrg)).ShouldBe(
            [OrganizationFeature.Worm, OrganizationFeature.Compliance, OrganizationFeature.PrivateChatBackup], ignoreOrder: true);
        (await EntitledAsync(siblingOrg)).ShouldBe([OrganizationFeature.Worm]);
        (await EntitledAsync(rootOrg)).ShouldBe([OrganizationFeature.Worm]);
        (await EntitledAsync(await CreateOrgAsync())).ShouldBeEmpty();

        // The sibling (below Root, beside Mid) may not turn on what Mid was granted.
        var siblingScope = Scope.Partner(tree.Root);
        (await FeatureAsync(Command(siblingOrg, siblingScope), OrganizationFeature.Compliance, true)).Error.ShouldBeOfType<FeatureNotEntitled>();
        (await FeatureAsync(Command(leafOrg, siblingScope), OrganizationFeature.Compliance, true)).ShouldSucceed();
        (await FeatureAsync(Command(leafOrg, siblingScope), OrganizationFeature.PrivateChatBackup, true)).ShouldSucceed();
    }

    [Fact]
    public async Task SetOrganizationFeature_NotEntitled_RefusedAndNothingSaved()
    {
        var tree = await TreeAsync();
        var id = await CreateOrgAsync(tree.Leaf);
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        var result = await FeatureAsync(Command(id, Scope.Partner(tree.Root), before.Version), OrganizationFeature.DataProtectionOfficer, true);

        result.Error.ShouldBeOfType<FeatureNotEntitled>();
        (await LoadAsync(id)).Version.ShouldBe(before.Version);
        (await LoadAsync(id)).DpoEnabled.ShouldBeFalse();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task WormOn_ThroughTheUseCase_ForcesDpoOffAndDpoStaysLocked()
    {
        var tree = await TreeAsync();
        var op = await OperatorAsync();
        var id = await CreateOrgAsync(tree.Leaf);
        var scope = Scope.Partner(tree.Root);
        (await GrantAsync(op, OrganizationFeature.Worm, partner: tree.Leaf.PublicId)).ShouldSucceed();
        (await GrantAsync(op, OrganizationFeature.DataProtectionOfficer, partner: tree.Leaf.PublicId)).ShouldSucceed();
        (await FeatureAsync(Command(id, scope), OrganizationFeature.DataProtectionOfficer, true)).ShouldSucceed();

        (await FeatureAsync(Command(id, scope), OrganizationFeature.Worm, true)).ShouldSucceed();
        var dpo = await FeatureAsync(Command(id, scope), OrganizationFeature.DataProtectionOfficer, true);

        dpo.Error.ShouldBeOfType<DpoLockedByWorm>();
        var org = await LoadAsync(id);
        org.WormEnabled.ShouldBeTrue();
        org.DpoEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task Revoke_KeepsTheFeatureOnButItCannotBeTurnedOnAgain()
    {
        var tree = await TreeAsync();
        var op = await OperatorAsync();
        var id = await CreateOrgAsync(tree.Leaf, Seed.Archiver);
        var scope = Scope.Partner(tree.Root);
        var grant = (await GrantAsync(op, OrganizationFeature.Compliance, partner: tree.Mid.PublicId)).ShouldSucceed();
        (await FeatureAsync(Command(id, scope), OrganizationFeature.Compliance, true)).ShouldSucceed();

        var revoked = await UseAsync<RevokeFeatureEntitlement, Result<FeatureEntitlement>>(u => u.HandleAsync(new(op, grant.Id), default));

        revoked.ShouldSucceed();
        (await ReadAsync(db => db.FeatureEntitlements.AnyAsync(g => g.Id == grant.Id))).ShouldBeFalse();
        (await LoadAsync(id)).ComplianceEnabled.ShouldBeTrue();
        var audit = await ReadAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.PartnerId == tree.Mid.Id && a.EventType == AuditEventType.FeatureEntitlementRevoked).ToListAsync());
        audit.ShouldHaveSingleItem().ActorId.ShouldBe(op.Actor.Id);
        ((int)audit[0].EventType).ShouldBe(1301);

        (await FeatureAsync(Command(id, scope), OrganizationFeature.Compliance, false)).ShouldSucceed();
        (await FeatureAsync(Command(id, scope), OrganizationFeature.Compliance, true)).Error.ShouldBeOfType<FeatureNotEntitled>();
        (await UseAsync<RevokeFeatureEntitlement, Result<FeatureEntitlement>>(u => u.HandleAsync(new(op, grant.Id), default)))
            .Error.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public async Task Grant_IsAuditedAndRefusesDuplicatesUnknownIdsAndNonOperators()
    {
        var tree = await TreeAsync();
        var op = await OperatorAsync();
        var rows = await ReadAsync(db => db.FeatureEntitlements.CountAsync());

        var granted = (await GrantAsync(op, OrganizationFeature.Worm, partner: " " + tree.Mid.PublicId.ToLowerInvariant() + " ")).ShouldSucceed();
        var duplicate = await GrantAsync(op, OrganizationFeature.Worm, partner: tree.Mid.PublicId);
        var unknown = await GrantAsync(op, OrganizationFeature.Worm, partner: "P-0000000");
        var unknownOrg = await GrantAsync(op, OrganizationFeature.Worm, organization: "ORG-00000000");
        var both = await GrantAsync(op, OrganizationFeature.Worm, partner: tree.Mid.PublicId, organization: "ORG-00000000");
        var neither = await GrantAsync(op, OrganizationFeature.Worm);
        var notGated = await GrantAsync(op, OrganizationFeature.Insights, partner: tree.Mid.PublicId);
        var partnerUser = new ActingUser((await PartnerUserAsync(tree.Mid)).Id, Ann);
        var notOperator = await GrantAsync(partnerUser, OrganizationFeature.Compliance, partner: tree.Mid.PublicId);

        granted.PartnerId.ShouldBe(tree.Mid.Id);
        duplicate.Error.ShouldBeOfType<EntitlementExists>();
        Fields(unknown).ShouldBe(["partnerId"]);
        Fields(unknownOrg).ShouldBe(["organizationId"]);
        Fields(both).ShouldBe(["partnerId"]);
        Fields(neither).ShouldBe(["partnerId"]);
        Fields(notGated).ShouldBe(["feature"]);
        notOperator.Error.ShouldBeOfType<OperatorOnly>();
        (await ReadAsync(db => db.FeatureEntitlements.CountAsync())).ShouldBe(rows + 1);
        var audit = await ReadAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.PartnerId == tree.Mid.Id && a.EventType == AuditEventType.FeatureEntitlementGranted).ToListAsync());
        audit.ShouldHaveSingleItem().After.ShouldNotBeNull().ShouldContain("Worm");
        ((int)audit[0].EventType).ShouldBe(1300);

        static string[] Fields(Result<FeatureEntitlement> r) =>
            r.Error.ShouldBeOfType<ValidationFailed>().Errors.Select(e => e.Field).ToArray();
    }

    [Fact]
    public async Task SetDownloadLimit_InRangeSavesAndAuditsOutOfRangeSavesNothing()
    {
        var id = await CreateOrgAsync();
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        (await LimitAsync(Command(id, expectedVersion: before.Version), 11)).Error.ShouldBeOfType<DownloadLimitOutOfRange>();
        (await LimitAsync(Command(id, expectedVersion: before.Version), 0)).Error.ShouldBeOfType<DownloadLimitOutOfRange>();
        (await CountRowsAsync()).ShouldBe(rows);
        (await LoadAsync(id)).DownloadLimitGb.ShouldBe(1);

        (await LimitAsync(Command(id, expectedVersion: before.Version), 7)).ShouldSucceed();

        var after = await LoadAsync(id);
        after.DownloadLimitGb.ShouldBe(7);
        after.Version.ShouldBe(before.Version + 1);
        var audit = (await AuditOfAsync(id)).Last();
        ((int)audit.EventType).ShouldBe(1150);
        audit.After.ShouldNotBeNull().ShouldContain("\"DownloadLimitGb\":7");
    }

    [Theory]
    [InlineData("foreign tree")]
    [InlineData("partner above")]
    public async Task FeatureCommands_OnOrganizationOutsideScope_NotFoundAndNothingChanged(string owner)
    {
        var partner = owner == "foreign tree" ? Seed.Foreign : Seed.Distributor;
        var id = await CreateOrgAsync(partner);
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        (await LimitAsync(Command(id), 5)).Error.ShouldBeOfType<NotFound>();
        (await FeatureAsync(Command(id), OrganizationFeature.Insights, true)).Error.ShouldBeOfType<NotFound>();
        (await FeatureAsync(Command(id), OrganizationFeature.Worm, true)).Error.ShouldBeOfType<NotFound>();

        var after = await LoadAsync(id);
        after.Version.ShouldBe(before.Version);
        after.DownloadLimitGb.ShouldBe(1);
        after.InsightsEnabled.ShouldBeFalse();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task FeatureCommands_WithStaleVersion_ConcurrentChangeAndNothingChanged()
    {
        var id = await CreateOrgAsync();
        var seen = (await LoadAsync(id)).Version;
        (await FeatureAsync(Command(id), OrganizationFeature.Insights, true)).ShouldSucceed(); // someone else meanwhile
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        (await LimitAsync(Command(id, expectedVersion: seen), 5)).Error.ShouldBeOfType<ConcurrentChange>();
        (await FeatureAsync(Command(id, expectedVersion: seen), OrganizationFeature.InPlaceArchiveBackup, true)).Error.ShouldBeOfType<ConcurrentChange>();

        var after = await LoadAsync(id);
        after.Version.ShouldBe(before.Version);
        after.DownloadLimitGb.ShouldBe(1);
        after.InPlaceArchiveBackupEnabled.ShouldBeFalse();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task AdGroupBackup_NeedsMicrosoft365AdminCredentials()
    {
        var id = await CreateOrgAsync();

        (await FeatureAsync(Command(id), OrganizationFeature.AdGroupBackup, true)).Error.ShouldBeOfType<AdGroupBackupNeedsMicrosoft365Admin>();
        await ReadAsync(async db =>
        {
            (await db.Organizations.SingleAsync(o => o.Id == id)).SetMicrosoft365AdminCredentials(true);
            return await db.SaveChangesAsync();
        });
        (await FeatureAsync(Command(id), OrganizationFeature.AdGroupBackup, true)).ShouldSucceed();

        (await LoadAsync(id)).AdGroupBackupEnabled.ShouldBeTrue();
    }

    [Fact]
    public async Task Migrations_FeatureEntitlementIndexes_Present()
    {
        var sql = fixture.Engine == "PostgreSQL"
            ? "SELECT indexname AS \"Value\" FROM pg_indexes WHERE tablename = 'FeatureEntitlements'"
            : "SELECT name AS \"Value\" FROM pragma_index_list('FeatureEntitlements')";

        var indexes = await ReadAsync(db => db.Database.SqlQueryRaw<string>(sql).ToListAsync());

        indexes.ShouldContain(AppDbContext.PartnerEntitlementIndex);
        indexes.ShouldContain(AppDbContext.OrganizationEntitlementIndex);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// Root → Mid → Leaf, and Sibling beside Mid; Root lies below the seeded acting partner.
    protected sealed record Tree(Partner Root, Partner Mid, Partner Leaf, Partner Sibling);

    private Task<Tree> TreeAsync() =>
        ReadAsync(async db =>
        {
            var now = Clock.GetUtcNow();
            Partner New(Partner parent) => Partner.Create($"Features {NewTag()}", "DE", parent, isDistributor: false, now).Value!;
            var root = New(Seed.Partner);
            var mid = New(root);
            var leaf = New(mid);
            var sibling = New(root);
            db.Partners.AddRange(root, mid, leaf, sibling);
            await db.SaveChangesAsync();
            return new Tree(root, mid, leaf, sibling);
        });

    private Task<ActingUser> OperatorAsync() =>
        InScopeAsync(async sp =>
        {
            var tag = NewTag();
            var user = new AppUser { UserName = $"op.{tag}@example.com", Email = $"op.{tag}@example.com", DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user)).Succeeded.ShouldBeTrue();
            return new ActingUser(user.Id, new Actor(user.Id.ToString(), "Operator"));
        });

    private Task<AppUser> PartnerUserAsync(Partner partner) =>
        InScopeAsync(async sp =>
        {
            var tag = NewTag();
            var user = new AppUser { UserName = $"u.{tag}@example.com", Email = $"u.{tag}@example.com", DisplayName = "Owner", PartnerId = partner.Id, Role = PartnerRole.Owner };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user)).Succeeded.ShouldBeTrue();
            return user;
        });

    private Task<Result<FeatureEntitlement>> GrantAsync(ActingUser acting, OrganizationFeature feature, string? partner = null, string? organization = null) =>
        UseAsync<GrantFeatureEntitlement, Result<FeatureEntitlement>>(u => u.HandleAsync(new(acting, feature.ToString(), partner, organization), default));

    private Task<Result> FeatureAsync(OrganizationCommand command, OrganizationFeature feature, bool enabled) =>
        UseAsync<SetOrganizationFeature, Result>(u => u.HandleAsync(command, feature, enabled, default));

    private Task<Result> LimitAsync(OrganizationCommand command, int gb) =>
        UseAsync<SetDownloadLimit, Result>(u => u.HandleAsync(command, gb, default));

    private Task<IReadOnlySet<OrganizationFeature>> EntitledAsync(Guid organizationId) =>
        ReadAsync(db => db.EntitledFeaturesAsync(organizationId, default));
}
