using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class SeatsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(OrganizationLimits.MaxSeats)]
    public void ChangeSeats_WithinRangeAndAboveUsage_SetsSeats(int seats)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        clock.Advance(TimeSpan.FromDays(1));

        org.ChangeSeats(seats, clock.GetUtcNow()).ShouldSucceed();

        org.Seats.ShouldBe(seats);
        org.Version.ShouldBe(1);
        org.History[^1].Seats.ShouldBe(seats);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(OrganizationLimits.MaxSeats + 1)]
    public void ChangeSeats_OutOfRange_FailsWithSeatsOutOfRange(int seats)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var before = OrganizationSnapshot.Of(org);

        org.ChangeSeats(seats, clock.GetUtcNow()).ShouldFailWith<SeatsOutOfRange>().Max.ShouldBe(OrganizationLimits.MaxSeats);

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Theory]
    [InlineData(11, false)]
    [InlineData(12, true)]
    public void ChangeSeats_ComparedWithSeatsInUse_RefusesOnlyBelowUsage(int seats, bool allowed)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.RecordUsage(seatsInUse: 12, storageUsedBytes: 0, retentionUntil: null);

        var result = org.ChangeSeats(seats, clock.GetUtcNow());

        if (allowed)
        {
            result.ShouldSucceed();
            org.Seats.ShouldBe(seats);
        }
        else
        {
            result.ShouldFailWith<SeatsBelowUsage>().InUse.ShouldBe(12);
            org.Seats.ShouldBe(Given.Seats);
        }
    }

    [Fact]
    public void ChangeSeats_WhileAutoLicenseOn_FailsWithSeatsFixedByAutoLicense()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, autoLicense: true);
        var before = OrganizationSnapshot.Of(org);

        org.ChangeSeats(20, clock.GetUtcNow()).ShouldFailWith<SeatsFixedByAutoLicense>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void ChangeSeats_OnPersonal_FailsWithNoSeatsOnPersonal()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Personal);
        var before = OrganizationSnapshot.Of(org);

        org.ChangeSeats(5, clock.GetUtcNow()).ShouldFailWith<NoSeatsOnPersonal>();

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Fact]
    public void ChangeSeats_ToTheCurrentNumber_FailsWithNoChange()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        org.ChangeSeats(Given.Seats, clock.GetUtcNow()).ShouldFailWith<NoChange>();

        org.Version.ShouldBe(0);
    }

    [Fact]
    public void SetAutoLicense_On_DropsTheSeatNumber()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        org.SetAutoLicense(true, null, clock.GetUtcNow()).ShouldSucceed();

        org.AutoLicense.ShouldBeTrue();
        org.Seats.ShouldBeNull();
        org.History[^1].AutoLicense.ShouldBeTrue();
        org.History[^1].Seats.ShouldBeNull();
    }

    [Fact]
    public void SetAutoLicense_OnWithASeatNumber_IsRefusedOnTheSeatsField()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        org.SetAutoLicense(true, 5, clock.GetUtcNow()).ShouldFailWith<ValidationFailed>().Field.ShouldBe("seats");

        org.AutoLicense.ShouldBeFalse();
        org.Seats.ShouldBe(Given.Seats);
    }

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    public void SetAutoLicense_OffWithSeatsBelowUsage_IsRefused(int seats, bool allowed)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, autoLicense: true);
        org.RecordUsage(seatsInUse: 8, storageUsedBytes: 0, retentionUntil: null);

        var result = org.SetAutoLicense(false, seats, clock.GetUtcNow());

        if (allowed)
        {
            result.ShouldSucceed();
            org.AutoLicense.ShouldBeFalse();
            org.Seats.ShouldBe(seats);
        }
        else
        {
            result.ShouldFailWith<SeatsBelowUsage>().InUse.ShouldBe(8);
            org.AutoLicense.ShouldBeTrue();
            org.Seats.ShouldBeNull();
        }
    }

    [Fact]
    public void SetAutoLicense_OffWithoutSeats_IsRefusedOnTheSeatsField()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, autoLicense: true);

        org.SetAutoLicense(false, null, clock.GetUtcNow()).ShouldFailWith<ValidationFailed>().Field.ShouldBe("seats");

        org.AutoLicense.ShouldBeTrue();
    }

    [Fact]
    public void SetAutoLicense_OnPersonal_FailsWithNoSeatsOnPersonal()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Personal);

        org.SetAutoLicense(true, null, clock.GetUtcNow()).ShouldFailWith<NoSeatsOnPersonal>();

        org.AutoLicense.ShouldBeFalse();
    }
}
