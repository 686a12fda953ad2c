using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

/// One entry per organization per UTC day, holding the state after that day's last change.
public class SubscriptionHistoryTests
{
    [Fact]
    public void Create_Always_WritesTheFirstEntry()
    {
        var clock = Given.Clock();

        var org = Given.Organization(clock);

        var entry = org.History.ShouldHaveSingleItem();
        entry.OrganizationId.ShouldBe(org.Id);
        entry.Day.ShouldBe(new DateOnly(2026, 3, 15));
        entry.Status.ShouldBe(OrganizationStatus.Active);
        entry.PlanId.ShouldBe(org.PlanId);
        entry.PlanType.ShouldBe(PlanType.Backup);
        entry.Seats.ShouldBe(Given.Seats);
        entry.AutoLicense.ShouldBeFalse();
        entry.RecordedAt.ShouldBe(Given.Start);
    }

    [Fact]
    public void Changes_OnOneUtcDay_CollapseIntoOneEntryWithTheLastState()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var archiver = Given.Plan(PlanType.Archiver, clock.GetUtcNow());

        clock.Advance(TimeSpan.FromHours(1));
        org.Suspend(clock.GetUtcNow()).ShouldSucceed();
        clock.Advance(TimeSpan.FromHours(1));
        org.ChangePlan(archiver, clock.GetUtcNow()).ShouldSucceed();
        clock.Advance(TimeSpan.FromHours(1));
        org.ChangeSeats(30, clock.GetUtcNow()).ShouldSucceed();
        clock.Advance(TimeSpan.FromHours(1));
        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        var entry = org.History.ShouldHaveSingleItem();
        entry.Day.ShouldBe(new DateOnly(2026, 3, 15));
        entry.Status.ShouldBe(OrganizationStatus.Active);
        entry.PlanId.ShouldBe(archiver.Id);
        entry.PlanType.ShouldBe(PlanType.Archiver);
        entry.Seats.ShouldBe(30);
        entry.RecordedAt.ShouldBe(Given.Start.AddHours(4));
    }

    [Fact]
    public void Changes_OnTwoDays_GiveTwoEntriesEachWithItsDaysLastState()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        clock.Advance(TimeSpan.FromDays(1));
        org.ChangeSeats(20, clock.GetUtcNow()).ShouldSucceed();
        org.Suspend(clock.GetUtcNow()).ShouldSucceed();
        clock.Advance(TimeSpan.FromDays(1));
        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        org.History.Select(h => (h.Day, h.Status, h.Seats)).ShouldBe(
        [
            (new DateOnly(2026, 3, 15), OrganizationStatus.Active, (int?)10),
            (new DateOnly(2026, 3, 16), OrganizationStatus.Suspended, (int?)20),
            (new DateOnly(2026, 3, 17), OrganizationStatus.Active, (int?)20),
        ]);
    }

    [Fact]
    public void Changes_AtLastMillisecondAndAtMidnightUtc_LandOnDifferentDays()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        clock.SetUtcNow(Given.At("2026-03-15T23:59:59.999Z"));
        org.Suspend(clock.GetUtcNow()).ShouldSucceed();
        clock.SetUtcNow(Given.At("2026-03-16T00:00:00Z"));
        org.Reactivate(clock.GetUtcNow()).ShouldSucceed();

        org.History.Select(h => (h.Day, h.Status)).ShouldBe(
        [
            (new DateOnly(2026, 3, 15), OrganizationStatus.Suspended),
            (new DateOnly(2026, 3, 16), OrganizationStatus.Active),
        ]);
    }

    [Fact]
    public void Change_WithNonUtcOffset_IsFiledUnderItsUtcDay()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        // 00:30 in UTC+2 on the 16th is still 22:30 UTC on the 15th.
        org.Suspend(Given.At("2026-03-16T00:30:00+02:00")).ShouldSucceed();

        org.History.ShouldHaveSingleItem().Status.ShouldBe(OrganizationStatus.Suspended);
    }

    [Theory]
    [InlineData("ChangePlan")]
    [InlineData("ChangeSeats")]
    [InlineData("SetAutoLicense")]
    public void PlanSeatsOrLicenseChange_OnALaterDay_AddsAnEntryWithTheNewState(string command)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        clock.Advance(TimeSpan.FromDays(3));
        var now = clock.GetUtcNow();

        var result = command switch
        {
            "ChangePlan" => org.ChangePlan(Given.Plan(PlanType.Archiver, now), now),
            "ChangeSeats" => org.ChangeSeats(11, now),
            "SetAutoLicense" => org.SetAutoLicense(true, null, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
        };

        result.ShouldSucceed();
        org.History.Count.ShouldBe(2);
        var entry = org.History[^1];
        entry.Day.ShouldBe(new DateOnly(2026, 3, 18));
        (entry.PlanId, entry.Seats, entry.AutoLicense, entry.Status).ShouldBe((org.PlanId, org.Seats, org.AutoLicense, org.Status));
    }

    [Fact]
    public void UpdatePersonalInfo_OnALaterDay_AddsNoEntry()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        clock.Advance(TimeSpan.FromDays(1));

        org.UpdatePersonalInfo(Given.Info() with { LastName = "Jones" }, clock.GetUtcNow()).ShouldSucceed();

        org.OwnerLastName.ShouldBe("Jones");
        org.History.ShouldHaveSingleItem();
    }
}
