using Custos.Domain.Organizations;

namespace Custos.Domain.Tests;

/// The allowed rows of the lifecycle table in DOMAIN.md.
public class LifecycleTests
{
    [Fact]
    public void Create_WithValidInput_StartsActiveWithOpenEndedBilling()
    {
        var clock = Given.Clock();

        var org = Given.Organization(clock);

        org.Status.ShouldBe(OrganizationStatus.Active);
        org.CreatedAt.ShouldBe(Given.Start);
        org.StatusChangedAt.ShouldBe(Given.Start);
        org.Version.ShouldBe(0);
        org.BillingEndsAt.ShouldBeNull();
        org.PurgeDueAt.ShouldBeNull();
        org.IsPurgeDue(Given.Start.AddYears(10)).ShouldBeFalse();
    }

    [Fact]
    public void Suspend_WhenActive_SuspendsAndKeepsBilling()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        clock.Advance(TimeSpan.FromHours(2));

        org.Suspend(clock.GetUtcNow()).ShouldSucceed();

        org.Status.ShouldBe(OrganizationStatus.Suspended);
        org.StatusChangedAt.ShouldBe(clock.GetUtcNow());
        org.Version.ShouldBe(1);
        org.BillingEndsAt.ShouldBeNull();
        org.PurgeDueAt.ShouldBeNull();
    }

    [Fact]
    public void Reactivate_WhenSuspended_Activates()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Suspended);
        clock.Advance(TimeSpan.FromDays(3));

        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        org.Status.ShouldBe(OrganizationStatus.Active);
        org.StatusChangedAt.ShouldBe(clock.GetUtcNow());
        org.BillingEndsAt.ShouldBeNull();
    }

    [Theory]
    [InlineData(OrganizationStatus.Active, 45)]
    [InlineData(OrganizationStatus.Suspended, 45)]
    [InlineData(OrganizationStatus.Active, 30)]
    public void Unsubscribe_WhenActiveOrSuspended_SchedulesPurgeAfterGraceAndBillsUntilThen(OrganizationStatus from, int graceDays)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: from);
        clock.Advance(TimeSpan.FromHours(5));
        var now = clock.GetUtcNow();

        org.Unsubscribe(now, TimeSpan.FromDays(graceDays)).ShouldSucceed();

        org.Status.ShouldBe(OrganizationStatus.Unsubscribed);
        org.UnsubscribedAt.ShouldBe(now);
        org.PurgeDueAt.ShouldBe(now.AddDays(graceDays));
        org.BillingEndsAt.ShouldBe(now.AddDays(graceDays));
        org.DeletedAt.ShouldBeNull();
    }

    [Fact]
    public void Reactivate_WhenUnsubscribedBeforePurgeDate_ClearsPurgeDateAndBillingEnd()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        clock.Advance(TimeSpan.FromDays(10));

        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        org.Status.ShouldBe(OrganizationStatus.Active);
        org.StatusChangedAt.ShouldBe(clock.GetUtcNow());
        org.UnsubscribedAt.ShouldBeNull();
        org.PurgeDueAt.ShouldBeNull();
        org.BillingEndsAt.ShouldBeNull();
        org.IsPurgeDue(clock.GetUtcNow().AddYears(1)).ShouldBeFalse();
    }

    [Fact]
    public void Reactivate_OneTickBeforePurgeDate_Activates()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        clock.Advance(Given.Grace - TimeSpan.FromTicks(1));

        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        org.Status.ShouldBe(OrganizationStatus.Active);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TimeSpan.TicksPerDay)]
    public void Reactivate_AtOrAfterPurgeDate_FailsWithPurgeDatePassed(long ticksAfterPurgeDate)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        var purgeDueAt = Given.Start + Given.Grace;
        clock.SetUtcNow(purgeDueAt + TimeSpan.FromTicks(ticksAfterPurgeDate));
        var before = OrganizationSnapshot.Of(org);

        var error = org.Reactivate(clock.GetUtcNow()).ShouldFailWith<PurgeDatePassed>();

        error.PurgeDueAt.ShouldBe(purgeDueAt);
        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    public void IsPurgeDue_AroundUnsubscribePlus45Days_TurnsTrueExactlyAtThePurgeDate(long ticksFromPurgeDate, bool due)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);

        org.IsPurgeDue(Given.Start + TimeSpan.FromDays(45) + TimeSpan.FromTicks(ticksFromPurgeDate)).ShouldBe(due);
    }

    [Theory]
    [InlineData(OrganizationStatus.Active)]
    [InlineData(OrganizationStatus.Suspended)]
    public void IsPurgeDue_WhenNotUnsubscribedOrDeleted_IsNeverTrue(OrganizationStatus status)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: status);

        org.IsPurgeDue(Given.Start.AddYears(5)).ShouldBeFalse();
    }

    [Theory]
    [InlineData(OrganizationStatus.Active)]
    [InlineData(OrganizationStatus.Suspended)]
    [InlineData(OrganizationStatus.Unsubscribed)]
    public void BeginPurge_BeforeDue_FailsWithPurgeNotDue(OrganizationStatus status)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: status);
        clock.Advance(Given.Grace - TimeSpan.FromTicks(1));
        var before = OrganizationSnapshot.Of(org);

        org.BeginPurge(clock.GetUtcNow()).ShouldFailWith<PurgeNotDue>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void BeginPurge_WhenPurgeDateReached_DeletesAndEndsBillingAtThePurgeDate()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        var purgeDueAt = org.PurgeDueAt;
        clock.Advance(Given.Grace + TimeSpan.FromMinutes(7));

        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeTrue();

        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.DeletedAt.ShouldBe(clock.GetUtcNow());
        org.PurgeDueAt.ShouldBe(purgeDueAt);
        org.BillingEndsAt.ShouldBe(purgeDueAt);
        org.PurgedAt.ShouldBeNull();
    }

    [Fact]
    public void CompletePurge_AfterBeginPurge_PurgesExactlyOnce()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        org.RecordUsage(seatsInUse: 4, storageUsedBytes: 5_000_000, retentionUntil: null, logicalBytes: 9_000_000);
        clock.Advance(Given.Grace);
        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeTrue();
        var purgedAt = clock.GetUtcNow();

        org.CompletePurge(purgedAt).ShouldSucceed();
        clock.Advance(TimeSpan.FromHours(1));
        var second = org.CompletePurge(clock.GetUtcNow());

        second.ShouldFailWith<AlreadyPurged>();
        org.BeginPurge(clock.GetUtcNow()).ShouldFailWith<AlreadyPurged>();
        org.PurgedAt.ShouldBe(purgedAt);
        org.IsPurged.ShouldBeTrue();
        org.StorageUsedBytes.ShouldBe(0);
        org.StorageLogicalBytes.ShouldBe(0);
        org.IsPurgeDue(clock.GetUtcNow()).ShouldBeFalse();
    }

    [Fact]
    public void CompletePurge_BeforeBeginPurge_FailsWithPurgeNotDue()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        clock.Advance(Given.Grace);

        org.CompletePurge(clock.GetUtcNow()).ShouldFailWith<PurgeNotDue>();

        org.PurgedAt.ShouldBeNull();
        org.Status.ShouldBe(OrganizationStatus.Unsubscribed);
    }

    [Theory]
    [InlineData(OrganizationStatus.Active)]
    [InlineData(OrganizationStatus.Suspended)]
    [InlineData(OrganizationStatus.Unsubscribed)]
    public void Delete_FromOpenStatus_DeletesAtOnceAndBillsTheMonthInFull(OrganizationStatus from)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: from);
        clock.Advance(TimeSpan.FromDays(2));
        var now = clock.GetUtcNow();

        org.Delete(now).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);

        org.Status.ShouldBe(OrganizationStatus.Deleted);
        org.StatusChangedAt.ShouldBe(now);
        org.DeletedAt.ShouldBe(now);
        org.BillingEndsAt.ShouldBe(Given.At("2026-04-01T00:00:00Z"));
        org.PurgeDueAt.ShouldBe(now);
        org.IsPurgeDue(now).ShouldBeTrue();
    }

    [Theory]
    [InlineData("2026-03-15T10:00:00Z", "2026-04-01T00:00:00Z")]
    [InlineData("2026-03-31T23:59:59.9999999Z", "2026-04-01T00:00:00Z")]
    [InlineData("2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z")]
    [InlineData("2026-04-01T01:00:00+02:00", "2026-04-01T00:00:00Z")]
    [InlineData("2026-03-31T20:00:00-05:00", "2026-05-01T00:00:00Z")]
    public void Delete_AnyDayOfTheMonth_EndsBillingOnTheFirstOfTheNextUtcMonth(string deletedAt, string billingEndsAt)
    {
        var clock = Given.Clock(Given.At(deletedAt));
        var org = Given.Organization(clock);

        org.Delete(clock.GetUtcNow()).ShouldSucceed();

        org.BillingEndsAt.ShouldBe(Given.At(billingEndsAt));
        org.BillingEndsAt!.Value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Delete_WhenUnsubscribedAndPurgeDateComesFirst_BillsOnlyUntilThePurgeDate()
    {
        var clock = Given.Clock(Given.At("2026-02-20T09:00:00Z"));
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        var purgeDueAt = org.PurgeDueAt!.Value;
        clock.SetUtcNow(Given.At("2026-04-05T09:00:00Z"));

        org.Delete(clock.GetUtcNow()).ShouldSucceed();

        purgeDueAt.ShouldBe(Given.At("2026-04-06T09:00:00Z"));
        org.BillingEndsAt.ShouldBe(purgeDueAt);
    }

    [Fact]
    public void Create_WhenNameExpandsBeyondTheStoredLengthWhenNormalized_IsRefused()
    {
        var clock = Given.Clock();
        var result = Organization.Create(
            new NewOrganization(new PersonalInfo("Ann", "Lee", "ann@example.com", "DE", new string('\uFDFA', 200)), false, 5),
            Given.Partner(clock.GetUtcNow()), Given.Plan(Custos.Domain.Plans.PlanType.Backup, clock.GetUtcNow()), clock.GetUtcNow());

        result.Error.ShouldBeOfType<ValidationFailed>().Errors.ShouldContain(e => e.Field == "organizationName");
    }

    [Fact]
    public void BeginPurge_AfterDelete_AllowsThePurgeAtOnce()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Deleted);

        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed().ShouldBeTrue();
        org.CompletePurge(clock.GetUtcNow()).ShouldSucceed();

        org.PurgedAt.ShouldBe(Given.Start);
        org.Status.ShouldBe(OrganizationStatus.Deleted);
    }
}
