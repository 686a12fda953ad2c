using Custos.Domain.Backup;
using Custos.Domain.Organizations;

namespace Custos.Domain.Tests.Backup;

public class BackupScheduleTests
{
    [Theory]
    [InlineData(OrganizationStatus.Active, false, false, true)]
    [InlineData(OrganizationStatus.Active, true, false, true)]
    [InlineData(OrganizationStatus.Suspended, false, false, false)]
    [InlineData(OrganizationStatus.Suspended, true, false, true)]
    [InlineData(OrganizationStatus.Unsubscribed, false, false, false)]
    [InlineData(OrganizationStatus.Unsubscribed, true, false, false)]
    [InlineData(OrganizationStatus.Deleted, true, false, false)]
    [InlineData(OrganizationStatus.Active, true, true, false)]
    public void MayRun_FollowsTheStatus_AndThePartnersSuspendedSetting(OrganizationStatus status, bool keepSuspended, bool purged, bool expected)
    {
        BackupSchedule.MayRun(status, purged, keepSuspended).ShouldBe(expected);
        (BackupSchedule.WhyNot(status, purged, keepSuspended) is null).ShouldBe(expected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(12)]
    public void NextRun_IsEvenlySpaced_WithAFixedOffsetPerOrganization(int runsPerDay)
    {
        var org = Guid.Parse("0195c0de-1234-7abc-8def-0123456789ab");
        var interval = BackupSchedule.Interval(runsPerDay);
        interval.ShouldBe(TimeSpan.FromTicks(TimeSpan.TicksPerDay / runsPerDay));
        var offset = BackupSchedule.Offset(org, runsPerDay);
        offset.ShouldBeGreaterThanOrEqualTo(TimeSpan.Zero);
        offset.ShouldBeLessThan(interval);

        var now = Given.At("2026-03-15T10:17:00Z");
        var next = BackupSchedule.NextRun(org, runsPerDay, now);
        next.ShouldBeGreaterThanOrEqualTo(now);
        next.ShouldBeLessThan(now + interval);
        ((next - Given.At("2026-03-15T00:00:00Z") - offset).Ticks % interval.Ticks).ShouldBe(0);
        BackupSchedule.NextRun(org, runsPerDay, now.AddDays(1)).ShouldBe(next.AddDays(1));
    }

    [Fact]
    public void Offsets_SpreadOrganizationsOverTheInterval()
    {
        var offsets = Enumerable.Range(0, 200).Select(_ => BackupSchedule.Offset(Guid.NewGuid(), 3)).ToList();

        offsets.Distinct().Count().ShouldBeGreaterThan(190);
        offsets.Count(o => o < TimeSpan.FromHours(4)).ShouldBeInRange(50, 150);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(6, true)]
    [InlineData(12, true)]
    [InlineData(13, false)]
    [InlineData(-3, false)]
    public void SetBackupRunsPerDay_AcceptsOneToTwelve(int runsPerDay, bool accepted)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.BackupRunsPerDay.ShouldBe(BackupSchedule.DefaultRunsPerDay);
        var version = org.Version;

        var result = org.SetBackupRunsPerDay(runsPerDay, clock.GetUtcNow());

        if (accepted)
        {
            result.ShouldSucceed();
            org.BackupRunsPerDay.ShouldBe(runsPerDay);
            org.Version.ShouldBe(version + 1);
        }
        else
        {
            result.Error.ShouldBeOfType<BackupRunsPerDayOutOfRange>().Field.ShouldBe("runsPerDay");
            org.BackupRunsPerDay.ShouldBe(BackupSchedule.DefaultRunsPerDay);
            org.Version.ShouldBe(version);
        }
    }

    [Fact]
    public void SetBackupRunsPerDay_SameValueIsNoChange_AndDeletedIsRefused()
    {
        var clock = Given.Clock();
        Given.Organization(clock).SetBackupRunsPerDay(BackupSchedule.DefaultRunsPerDay, clock.GetUtcNow()).Error.ShouldBeOfType<NoChange>();
        Given.Organization(clock, status: OrganizationStatus.Deleted).SetBackupRunsPerDay(5, clock.GetUtcNow()).Error.ShouldBeOfType<AlreadyDeleted>();
    }
}
