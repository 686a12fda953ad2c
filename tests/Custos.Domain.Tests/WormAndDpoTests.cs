using Custos.Domain.Organizations;

namespace Custos.Domain.Tests;

public class WormAndDpoTests
{
    [Fact]
    public void SetWorm_On_ForcesDpoOffAndDropsItsPendingRequest()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        org.Delete(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.AwaitingDpoApproval);

        org.SetWorm(true, clock.GetUtcNow()).ShouldSucceed();

        org.WormEnabled.ShouldBeTrue();
        org.DpoEnabled.ShouldBeFalse();
        org.PendingDpoAction.ShouldBe(PendingDpoAction.None);
    }

    [Fact]
    public void SetDpo_OnWhileWormOn_FailsWithDpoLockedByWorm()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetWorm(true, clock.GetUtcNow()).ShouldSucceed();

        org.SetDpo(true, clock.GetUtcNow()).ShouldFailWith<DpoLockedByWorm>();

        org.DpoEnabled.ShouldBeFalse();
    }

    [Theory]
    [InlineData(OrganizationStatus.Active)]
    [InlineData(OrganizationStatus.Suspended)]
    [InlineData(OrganizationStatus.Unsubscribed)]
    public void Delete_WithDpoOn_WaitsForApprovalAndKeepsTheStatus(OrganizationStatus from)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: from);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        var billingEndsAt = org.BillingEndsAt;

        org.Delete(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.AwaitingDpoApproval);
        var again = org.Delete(clock.GetUtcNow());

        again.ShouldSucceed().ShouldBe(DeleteOutcome.AwaitingDpoApproval);
        org.Status.ShouldBe(from);
        org.PendingDpoAction.ShouldBe(PendingDpoAction.Delete);
        org.DeletedAt.ShouldBeNull();
        org.BillingEndsAt.ShouldBe(billingEndsAt);
    }

    [Fact]
    public void ApproveByDpo_WhenDeleteAwaitsApproval_DeletesAtApprovalTime()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        org.Delete(clock.GetUtcNow()).ShouldSucceed();
        clock.SetUtcNow(Given.At("2026-04-02T09:00:00Z"));

        org.ApproveByDpo(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.DeletedAt.ShouldBe(clock.GetUtcNow());
        org.BillingEndsAt.ShouldBe(Given.At("2026-05-01T00:00:00Z"));
        org.PendingDpoAction.ShouldBe(PendingDpoAction.None);
        org.ApproveByDpo(clock.GetUtcNow()).Error.ShouldBeOfType<NothingAwaitsApproval>();
    }

    [Fact]
    public void ApproveByDpo_WhenNothingIsPending_FailsWithNothingAwaitsApproval()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        var before = OrganizationSnapshot.Of(org);

        org.ApproveByDpo(clock.GetUtcNow()).Error.ShouldBeOfType<NothingAwaitsApproval>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void SetDpo_Off_CancelsThePendingDeletion()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        org.Delete(clock.GetUtcNow()).ShouldSucceed();

        org.SetDpo(false, clock.GetUtcNow()).ShouldSucceed();

        org.PendingDpoAction.ShouldBe(PendingDpoAction.None);
        org.Status.ShouldBe(OrganizationStatus.Active);
    }

    [Fact]
    public void Delete_WithWormRetentionRunning_DeletesNowAndPurgesWhenRetentionEnds()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var retentionUntil = Given.At("2027-01-10T00:00:00Z");
        org.SetWorm(true, clock.GetUtcNow()).ShouldSucceed();
        org.RecordUsage(seatsInUse: 3, storageUsedBytes: 1_000, retentionUntil);

        org.Delete(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.DeletedPurgeAfterRetention);

        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.DeletedAt.ShouldBe(Given.Start);
        org.BillingEndsAt.ShouldBe(Given.At("2026-04-01T00:00:00Z"));
        org.PurgeDueAt.ShouldBe(retentionUntil);
        org.IsPurgeDue(retentionUntil - TimeSpan.FromTicks(1)).ShouldBeFalse();
        org.BeginPurge(retentionUntil - TimeSpan.FromTicks(1)).ShouldFailWith<PurgeNotDue>();
        org.IsPurgeDue(retentionUntil).ShouldBeTrue();
        org.BeginPurge(retentionUntil).ShouldSucceed().ShouldBeTrue();
    }

    [Fact]
    public void Delete_WithWormRetentionAlreadyOver_PurgesAtOnce()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetWorm(true, clock.GetUtcNow()).ShouldSucceed();
        org.RecordUsage(seatsInUse: 3, storageUsedBytes: 1_000, Given.Start.AddDays(-1));

        org.Delete(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        org.PurgeDueAt.ShouldBe(Given.Start);
    }

    [Fact]
    public void Delete_WithRetentionButWormOff_PurgesAtOnce()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.RecordUsage(seatsInUse: 3, storageUsedBytes: 1_000, Given.At("2027-01-10T00:00:00Z"));

        org.Delete(clock.GetUtcNow()).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        org.PurgeDueAt.ShouldBe(Given.Start);
    }

    [Fact]
    public void BeginPurge_OfUnsubscribedWithDpoOn_WaitsForApprovalThenProceeds()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        org.SetDpo(true, clock.GetUtcNow()).ShouldSucceed();
        clock.Advance(Given.Grace);

        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeFalse();
        clock.Advance(TimeSpan.FromHours(1));
        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeFalse();

        org.Status.ShouldBe(OrganizationStatus.Unsubscribed);
        org.PendingDpoAction.ShouldBe(PendingDpoAction.Purge);
        org.CompletePurge(clock.GetUtcNow()).ShouldFailWith<PurgeNotDue>();

        org.ApproveByDpo(clock.GetUtcNow()).ShouldSucceed().ShouldBeNull();
        org.Status.ShouldBe(OrganizationStatus.Unsubscribed);

        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeTrue();
        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.PendingDpoAction.ShouldBe(PendingDpoAction.None);
        org.CompletePurge(clock.GetUtcNow()).ShouldSucceed();
    }

    [Fact]
    public void BeginPurge_OfUnsubscribedWithWormRetentionRunning_DeletesButWaitsForRetention()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var retentionUntil = Given.Start.AddDays(100);
        org.SetWorm(true, clock.GetUtcNow()).ShouldSucceed();
        org.RecordUsage(seatsInUse: 3, storageUsedBytes: 1_000, retentionUntil);
        org.Unsubscribe(clock.GetUtcNow(), Given.Grace).ShouldSucceed();
        var purgeDate = Given.Start + Given.Grace;
        clock.SetUtcNow(purgeDate);

        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeFalse();

        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.BillingEndsAt.ShouldBe(purgeDate);
        org.PurgeDueAt.ShouldBe(retentionUntil);
        org.IsPurgeDue(retentionUntil - TimeSpan.FromTicks(1)).ShouldBeFalse();
        org.CompletePurge(retentionUntil - TimeSpan.FromTicks(1)).ShouldFailWith<PurgeNotDue>();
        org.BeginPurge(retentionUntil).ShouldSucceed().ShouldBeTrue();
        org.CompletePurge(retentionUntil).ShouldSucceed();
    }
}
