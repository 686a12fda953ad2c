using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.ControlPlane.Transfers;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custos.ControlPlane.Tests;

/// Transfers between partners against a real database, once per engine. The class has its own
/// database and clock (it moves the clock to cut-off dates); each test makes its own partners and
/// organizations, so tests do not see each other's requests.
public abstract class TransferUseCaseTests(DatabaseFixture fixture)
{
    private static readonly Actor Owner = new("org-owner", "Olga Owner");
    private static readonly Actor Operator = new("operator-1", "Otto Operator");

    private FakeTimeProvider Clock => fixture.Clock;

    private SeededData Seed => fixture.Seed;

    // ---- RequestTransfer: validation ---------------------------------------------------------

    [Fact]
    public async Task Request_WithAnotherPartnersIdInAnyCase_IsPendingAndAudited()
    {
        var target = await NewPartnerAsync(Seed.Distributor);
        var orgId = await NewOrgAsync(Seed.Partner);

        var result = await RequestAsync(orgId, "  " + target.PublicId.ToLowerInvariant() + " ");

        var transfer = result.ShouldSucceed();
        transfer.Status.ShouldBe(TransferStatus.Pending);
        transfer.FromPartnerId.ShouldBe(Seed.Partner.Id);
        transfer.ToPartnerId.ShouldBe(target.Id);
        var audit = await AuditAsync(orgId, AuditEventType.TransferRequested);
        audit.Count.ShouldBe(1);
        audit[0].ActorName.ShouldBe(Owner.Name);
        audit[0].PartnerId.ShouldBe(Seed.Partner.Id);
        audit[0].After!.ShouldContain(target.PublicId);
    }

    [Theory]
    [InlineData(null, typeof(PartnerIdRequired))]
    [InlineData("", typeof(PartnerIdRequired))]
    [InlineData("   ", typeof(PartnerIdRequired))]
    [InlineData("garbage", typeof(PartnerIdUnknown))]
    [InlineData("P-0000000", typeof(PartnerIdUnknown))]
    [InlineData("P-'; DROP TABLE \"Partners\"; --", typeof(PartnerIdUnknown))]
    [InlineData("P-%", typeof(PartnerIdUnknown))]
    [InlineData("P-🙂🙂🙂", typeof(PartnerIdUnknown))]
    [InlineData("P-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", typeof(PartnerIdUnknown))]
    public async Task Request_WithMissingOrGarbagePartnerId_IsRefusedOnTheFieldAndSavesNothing(string? partnerId, Type expected)
    {
        var orgId = await NewOrgAsync(Seed.Partner);

        var result = await RequestAsync(orgId, partnerId);

        result.Error.ShouldNotBeNull().ShouldBeOfType(expected);
        result.Error!.Field.ShouldBe("partnerId");
        (await TransfersOfAsync(orgId)).ShouldBeEmpty();
        (await AuditAsync(orgId, AuditEventType.TransferRequested)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Request_ToItsOwnPartner_IsRefused()
    {
        var orgId = await NewOrgAsync(Seed.Partner);

        var result = await RequestAsync(orgId, Seed.Partner.PublicId);

        result.Error.ShouldBeOfType<SamePartner>().Field.ShouldBe("partnerId");
    }

    [Fact]
    public async Task Request_ToAnInactivePartner_IsRefused()
    {
        var target = await NewPartnerAsync(Seed.Distributor, active: false);
        var orgId = await NewOrgAsync(Seed.Partner);

        var result = await RequestAsync(orgId, target.PublicId);

        result.Error.ShouldBeOfType<TargetPartnerInactive>().Field.ShouldBe("partnerId");
    }

    [Fact]
    public async Task Request_ForUnknownOrganization_IsNotFound()
    {
        var result = await RequestAsync(Guid.NewGuid(), Seed.Foreign.PublicId);

        result.Error.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public async Task Request_ForDeletedOrganization_IsRefused()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        (await InScopeAsync(sp => sp.GetRequiredService<DeleteOrganization>()
            .HandleAsync(new OrganizationCommand(Scope.Everything, Owner, orgId), default))).ShouldSucceed();

        var result = await RequestAsync(orgId, Seed.Foreign.PublicId);

        result.Error.ShouldBeOfType<OrganizationCannotTransfer>();
    }

    [Fact]
    public async Task Request_WhenTargetOffersNoPlanOfTheType_IsRefusedWithTheType()
    {
        var target = await NewPartnerAsync(null, offers: [Seed.Backup]);
        var orgId = await NewOrgAsync(Seed.Partner, Seed.Archiver);

        var result = await RequestAsync(orgId, target.PublicId);

        var error = result.Error.ShouldBeOfType<TargetLacksPlanType>();
        error.Type.ShouldBe(PlanType.Archiver);
        error.Message.ShouldContain("Archiver");
        error.Field.ShouldBe("partnerId");
    }

    [Fact]
    public async Task Request_WhileOneIsPending_IsRefusedUntilCancelled()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();

        var second = await RequestAsync(orgId, Seed.Distributor.PublicId);
        second.Error.ShouldBeOfType<TransferAlreadyOpen>().Field.ShouldBe("partnerId");

        (await CancelAsync(orgId)).ShouldSucceed();
        (await RequestAsync(orgId, Seed.Distributor.PublicId)).ShouldSucceed();
        (await TransfersOfAsync(orgId)).Count(t => t.IsOpen).ShouldBe(1);
    }

    [Fact]
    public async Task Request_TwoAtOnce_SavesExactlyOneOpenRequest()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var other = await NewPartnerAsync(null);

        var results = await Task.WhenAll(
            RequestAsync(orgId, Seed.Foreign.PublicId),
            RequestAsync(orgId, other.PublicId),
            RequestAsync(orgId, Seed.Distributor.PublicId));

        results.Count(r => r.IsSuccess).ShouldBe(1);
        results.Where(r => !r.IsSuccess).ShouldAllBe(r => r.Error is TransferAlreadyOpen);
        (await TransfersOfAsync(orgId)).Count.ShouldBe(1);
    }

    // ---- revocation by the distributor -------------------------------------------------------

    [Fact]
    public async Task Request_WhenDistributorRevokedThePartner_IsRefusedForItsWholeSubtreeUntilRestored()
    {
        var partner = await NewPartnerAsync(Seed.Distributor);
        var sub = await NewPartnerAsync(partner);
        var orgOfPartner = await NewOrgAsync(partner);
        var orgOfSub = await NewOrgAsync(sub);

        (await SetTransfersAsync(Seed.Distributor, PartnerRole.Owner, partner.Id, false)).ShouldSucceed();

        var refused = await RequestAsync(orgOfPartner, Seed.Foreign.PublicId);
        refused.Error.ShouldBeOfType<TransfersRevoked>().Message.ShouldContain("distributor");
        refused.Error!.Field.ShouldBe("partnerId");
        (await RequestAsync(orgOfSub, Seed.Foreign.PublicId)).Error.ShouldBeOfType<TransfersRevoked>();
        (await AuditOfPartnerAsync(partner.Id, AuditEventType.PartnerTransfersRevoked)).Count.ShouldBe(1);

        (await SetTransfersAsync(Seed.Distributor, PartnerRole.FullAdministrator, partner.Id, true)).ShouldSucceed();
        (await RequestAsync(orgOfPartner, Seed.Foreign.PublicId)).ShouldSucceed();
        (await AuditOfPartnerAsync(partner.Id, AuditEventType.PartnerTransfersRestored)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task SetTransfers_ByNonDistributorOrLesserRoleOrForPartnerOutside_IsRefused()
    {
        var partner = await NewPartnerAsync(Seed.Distributor);

        (await SetTransfersAsync(Seed.Distributor, PartnerRole.Administrator, partner.Id, false)).Error.ShouldBeOfType<TransfersNotManaged>();
        (await SetTransfersAsync(Seed.Distributor, PartnerRole.ReadOnly, partner.Id, false)).Error.ShouldBeOfType<TransfersNotManaged>();
        (await SetTransfersAsync(Seed.Partner, PartnerRole.Owner, Seed.SubPartner.Id, false)).Error.ShouldBeOfType<TransfersNotManaged>();
        (await SetTransfersAsync(Seed.Distributor, PartnerRole.Owner, Seed.Foreign.Id, false)).Error.ShouldBeOfType<NotFound>();
        (await SetTransfersAsync(Seed.Distributor, PartnerRole.Owner, Seed.Distributor.Id, false)).Error.ShouldBeOfType<NotFound>();
        (await ReadAsync(db => db.Partners.Where(p => p.Id == partner.Id || p.Id == Seed.Foreign.Id || p.Id == Seed.Distributor.Id)
            .AllAsync(p => p.MayTransfer))).ShouldBeTrue();
    }

    // ---- cancel, approve, reject -------------------------------------------------------------

    [Fact]
    public async Task Cancel_Pending_IsCancelledAndAuditedAndASecondCancelFindsNothing()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();

        var cancelled = (await CancelAsync(orgId)).ShouldSucceed();

        cancelled.Status.ShouldBe(TransferStatus.Cancelled);
        (await AuditAsync(orgId, AuditEventType.TransferCancelled)).Count.ShouldBe(1);
        (await CancelAsync(orgId)).Error.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public async Task Cancel_ApprovedBeforeTheCutOff_IsCancelledAndNeverExecuted()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var transfer = (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();
        var approved = (await ApproveAsync(transfer.Id)).ShouldSucceed();
        Clock.SetUtcNow(approved.EffectiveAt!.Value.AddMinutes(-1));

        (await CancelAsync(orgId)).ShouldSucceed();
        Clock.SetUtcNow(approved.EffectiveAt!.Value);
        await ExecuteAsync();

        (await OrgAsync(orgId)).PartnerId.ShouldBe(Seed.Partner.Id);
    }

    [Fact]
    public async Task Reject_WithoutReason_IsRefusedOnTheReasonField()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var transfer = (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();

        foreach (var reason in new[] { null, "", "   " })
        {
            (await RejectAsync(transfer.Id, reason)).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("reason");
        }

        (await TransfersOfAsync(orgId)).Single().Status.ShouldBe(TransferStatus.Pending);
    }

    [Fact]
    public async Task Reject_WithReason_KeepsTheReasonAndAnotherDecisionIsRefused()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var transfer = (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();

        var rejected = (await RejectAsync(transfer.Id, "  Contract with the current partner runs until June. ")).ShouldSucceed();

        rejected.Status.ShouldBe(TransferStatus.Rejected);
        rejected.Reason.ShouldBe("Contract with the current partner runs until June.");
        rejected.DecidedByName.ShouldBe(Operator.Name);
        (await ApproveAsync(transfer.Id)).Error.ShouldBeOfType<TransferNotPending>();
        (await CancelAsync(orgId)).Error.ShouldBeOfType<NotFound>();
        (await AuditAsync(orgId, AuditEventType.TransferRejected)).Single().ActorName.ShouldBe(Operator.Name);
        (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();
    }

    [Fact]
    public async Task Approve_WithAStaleVersion_IsRefused()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var transfer = (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();

        (await ApproveAsync(transfer.Id, transfer.Version + 1)).Error.ShouldBeOfType<TransferChangedMeanwhile>();
        (await ApproveAsync(Guid.NewGuid())).Error.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public async Task Approve_SetsTheCutOffToTheFirstOfNextMonthUtc()
    {
        var orgId = await NewOrgAsync(Seed.Partner);
        var transfer = (await RequestAsync(orgId, Seed.Foreign.PublicId)).ShouldSucceed();
        var now = Clock.GetUtcNow();

        var approved = (await ApproveAsync(transfer.Id)).ShouldSucceed();

        var expected = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        approved.EffectiveAt.ShouldBe(expected);
        approved.Status.ShouldBe(TransferStatus.Approved);
        (await AuditAsync(orgId, AuditEventType.TransferApproved)).Single().ActorName.ShouldBe(Operator.Name);
    }

    // ---- execution at the cut-off ------------------------------------------------------------

    [Fact]
    public async Task Execute_AtTheCutOff_MovesTheOrganizationOnceWithPlanMappingAuditMailAndGroups()
    {
        var source = await NewPartnerAsync(Seed.Distributor);
        var target = await NewPartnerAsync(null, offers: [Seed.Personal, Seed.Backup2, Seed.Archiver]);
        var sourceAdmin = await AddAdminAsync(source);
        var targetAdmin = await AddAdminAsync(target);
        var orgId = await NewOrgAsync(source, Seed.Backup);
        var groupId = await AddToGroupAsync(source, orgId);
        var transfer = (await RequestAsync(orgId, target.PublicId)).ShouldSucceed();
        var cutOff = (await ApproveAsync(transfer.Id)).ShouldSucceed().EffectiveAt!.Value;

        Clock.SetUtcNow(cutOff.AddSeconds(-1));
        (await ExecuteAsync()).Executed.ShouldBe(0);
        (await OrgAsync(orgId)).PartnerId.ShouldBe(source.Id);

        Clock.SetUtcNow(cutOff);
        var run = await ExecuteAsync();
        var again = await ExecuteAsync();

        run.Executed.ShouldBeGreaterThanOrEqualTo(1);
        again.Executed.ShouldBe(0);
        var org = await OrgAsync(orgId);
        org.PartnerId.ShouldBe(target.Id);
        org.PlanId.ShouldBe(Seed.Backup2.Id);
        org.PlanType.ShouldBe(PlanType.Backup);
        org.Seats.ShouldBe(10);
        org.AutoLicense.ShouldBeFalse();
        (await TransfersOfAsync(orgId)).Single().Status.ShouldBe(TransferStatus.Executed);

        (await ReadAsync(db => db.InScope(Scope.Partner(target)).AnyAsync(o => o.Id == orgId))).ShouldBeTrue();
        (await ReadAsync(db => db.InScope(Scope.Partner(source)).AnyAsync(o => o.Id == orgId))).ShouldBeFalse();
        (await ReadAsync(db => db.GroupOrganizations.AnyAsync(g => g.GroupId == groupId && g.OrganizationId == orgId))).ShouldBeFalse();

        var outAudit = (await AuditAsync(orgId, AuditEventType.OrganizationTransferredOut)).ShouldHaveSingleItem();
        outAudit.PartnerId.ShouldBe(source.Id);
        var inAudit = (await AuditAsync(orgId, AuditEventType.OrganizationTransferredIn)).ShouldHaveSingleItem();
        inAudit.PartnerId.ShouldBe(target.Id);

        var mail = await ReadAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.OrganizationId == orgId && m.Kind == ExecuteDueTransfers.MailKind).ToListAsync());
        mail.Select(m => m.ToAddress).OrderBy(a => a).ShouldBe(new[] { sourceAdmin, targetAdmin }.OrderBy(a => a));
    }

    [Fact]
    public async Task Execute_TwoRunnersAtOnce_ExecuteEachTransferExactlyOnce()
    {
        var target = await NewPartnerAsync(null);
        var orgs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var orgId = await NewOrgAsync(Seed.Partner);
            var t = (await RequestAsync(orgId, target.PublicId)).ShouldSucceed();
            (await ApproveAsync(t.Id)).ShouldSucceed();
            orgs.Add(orgId);
        }

        Clock.SetUtcNow(Transfer.CutOffAfter(Clock.GetUtcNow()));
        await Task.WhenAll(ExecuteAsync(), ExecuteAsync());

        foreach (var orgId in orgs)
        {
            (await OrgAsync(orgId)).PartnerId.ShouldBe(target.Id);
            (await AuditAsync(orgId, AuditEventType.OrganizationTransferredIn)).Count.ShouldBe(1);
            (await TransfersOfAsync(orgId)).Single().Status.ShouldBe(TransferStatus.Executed);
        }
    }

    [Fact]
    public async Task Execute_WhenTargetStoppedOfferingThePlanType_EndsRejectedAndTheOrganizationStays()
    {
        var target = await NewPartnerAsync(null);
        var orgId = await NewOrgAsync(Seed.Partner, Seed.Personal);
        var transfer = (await RequestAsync(orgId, target.PublicId)).ShouldSucceed();
        var cutOff = (await ApproveAsync(transfer.Id)).ShouldSucceed().EffectiveAt!.Value;
        await ReadAsync(async db =>
        {
            db.PlanOfferings.Add(new PlanOffering { PartnerId = target.Id, PlanId = Seed.Backup.Id });
            return await db.SaveChangesAsync();
        });

        Clock.SetUtcNow(cutOff);
        var run = await ExecuteAsync();

        run.Failed.ShouldBeGreaterThanOrEqualTo(1);
        (await OrgAsync(orgId)).PartnerId.ShouldBe(Seed.Partner.Id);
        var ended = (await TransfersOfAsync(orgId)).Single();
        ended.Status.ShouldBe(TransferStatus.Rejected);
        ended.Reason!.ShouldContain("Personal");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    private Task<T> ReadAsync<T>(Func<AppDbContext, Task<T>> query) =>
        InScopeAsync(sp => query(sp.GetRequiredService<AppDbContext>()));

    private Task<Result<Transfer>> RequestAsync(Guid orgId, string? partnerId) =>
        InScopeAsync(sp => sp.GetRequiredService<RequestTransfer>().HandleAsync(orgId, partnerId, Owner, default));

    private Task<Result<Transfer>> CancelAsync(Guid orgId) =>
        InScopeAsync(sp => sp.GetRequiredService<CancelTransfer>().HandleAsync(orgId, Owner, default));

    private Task<Result<Transfer>> ApproveAsync(Guid transferId, int? version = null) =>
        InScopeAsync(sp => sp.GetRequiredService<ApproveTransfer>().HandleAsync(transferId, Operator, version, default));

    private Task<Result<Transfer>> RejectAsync(Guid transferId, string? reason) =>
        InScopeAsync(sp => sp.GetRequiredService<RejectTransfer>().HandleAsync(transferId, reason, Operator, null, default));

    private Task<TransferRun> ExecuteAsync() =>
        InScopeAsync(sp => sp.GetRequiredService<ExecuteDueTransfers>().HandleAsync(default));

    private Task<Result> SetTransfersAsync(Partner distributor, PartnerRole role, Guid partnerId, bool mayTransfer) =>
        InScopeAsync(sp => sp.GetRequiredService<SetPartnerTransfers>().HandleAsync(distributor, role, Owner, partnerId, mayTransfer, default));

    private Task<Organization> OrgAsync(Guid id) =>
        ReadAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == id));

    private Task<List<Transfer>> TransfersOfAsync(Guid orgId) =>
        ReadAsync(db => db.Transfers.AsNoTracking().Where(t => t.OrganizationId == orgId).ToListAsync());

    private Task<List<AuditEntry>> AuditAsync(Guid orgId, AuditEventType type) =>
        ReadAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.OrganizationId == orgId && a.EventType == type).ToListAsync());

    private Task<List<AuditEntry>> AuditOfPartnerAsync(Guid partnerId, AuditEventType type) =>
        ReadAsync(db => db.AuditEntries.AsNoTracking().Where(a => a.PartnerId == partnerId && a.EventType == type).ToListAsync());

    private Task<Partner> NewPartnerAsync(Partner? parent, bool active = true, Plan[]? offers = null) =>
        ReadAsync(async db =>
        {
            var partner = Partner.Create("Partner " + Tag(), "DE", parent, isDistributor: false, Clock.GetUtcNow()).Value!;
            if (!active)
            {
                partner.Deactivate();
            }

            db.Partners.Add(partner);
            foreach (var plan in offers ?? [])
            {
                db.PlanOfferings.Add(new PlanOffering { PartnerId = partner.Id, PlanId = plan.Id });
            }

            await db.SaveChangesAsync();
            return partner;
        });

    private async Task<Guid> NewOrgAsync(Partner partner, Plan? plan = null)
    {
        plan ??= Seed.Backup;
        var tag = Tag();
        var input = new NewOrganization(
            new PersonalInfo("Olga", "Owner", $"owner.{tag}@example.com", "DE", $"Transfer {tag}"),
            false, Plan.HasSeats(plan.Type) ? 10 : null);
        var created = await InScopeAsync(sp => sp.GetRequiredService<CreateOrganization>().HandleAsync(
            new CreateOrganizationRequest(Scope.Partner(partner), Owner, partner.Id, plan.Id, input), default));
        return created.ShouldSucceed().Id;
    }

    private Task<string> AddAdminAsync(Partner partner) =>
        ReadAsync(async db =>
        {
            var email = $"admin.{Tag()}@example.com";
            db.Users.Add(new AppUser
            {
                Id = Guid.NewGuid(),
                UserName = email,
                NormalizedUserName = email.ToUpperInvariant(),
                Email = email,
                NormalizedEmail = email.ToUpperInvariant(),
                SecurityStamp = Guid.NewGuid().ToString(),
                DisplayName = "Ada Admin",
                PartnerId = partner.Id,
                Role = PartnerRole.Owner,
            });
            await db.SaveChangesAsync();
            return email;
        });

    private Task<Guid> AddToGroupAsync(Partner partner, Guid orgId) =>
        ReadAsync(async db =>
        {
            var group = PartnerGroup.Create(partner.Id, "Group " + Tag(), Clock.GetUtcNow()).Value!;
            db.Groups.Add(group);
            db.GroupOrganizations.Add(new PartnerGroupOrganization { GroupId = group.Id, OrganizationId = orgId });
            await db.SaveChangesAsync();
            return group.Id;
        });

    private static string Tag() => Guid.NewGuid().ToString("N")[..12];
}

public sealed class TransferUseCaseTests_Sqlite(SqliteFixture fixture)
    : TransferUseCaseTests(fixture), IClassFixture<SqliteFixture>
{
}

public sealed class TransferUseCaseTests_Postgres(PostgresFixture fixture)
    : TransferUseCaseTests(fixture), IClassFixture<PostgresFixture>
{
}
