using Custos.Domain.Organizations;

namespace Custos.Domain.Tests;

public class UsageTests
{
    [Theory]
    [InlineData(3, 1_200_000_000L, 3_400_000_000L, 3, 1_200_000_000L, 3_400_000_000L)]
    [InlineData(0, 0L, 0L, 0, 0L, 0L)]
    [InlineData(2, 5_000L, 4_000L, 2, 5_000L, 4_000L)] // stored may exceed logical (pack overhead on tiny messages)
    [InlineData(-1, -5L, -7L, 0, 0L, 0L)]
    public void RecordUsage_StoresSeatsStoredAndLogicalBytes_NeverBelowZero(
        int seats, long stored, long logical, int expectedSeats, long expectedStored, long expectedLogical)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        org.RecordUsage(seats, stored, retentionUntil: null, logicalBytes: logical);

        (org.SeatsInUse, org.StorageUsedBytes, org.StorageLogicalBytes).ShouldBe((expectedSeats, expectedStored, expectedLogical));
    }

    [Fact]
    public void RecordUsage_ReplacesTheLastReport()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.RecordUsage(4, 1_000, retentionUntil: null, logicalBytes: 3_000);

        org.RecordUsage(4, 1_500, retentionUntil: null, logicalBytes: 4_200);

        (org.StorageUsedBytes, org.StorageLogicalBytes).ShouldBe((1_500L, 4_200L));
    }

    [Fact]
    public void RecordUsage_AfterPurge_KeepsZero()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        org.RecordUsage(4, 1_000, retentionUntil: null, logicalBytes: 3_000);
        clock.Advance(Given.Grace);
        org.BeginPurge(clock.GetUtcNow()).ShouldSucceed();
        org.CompletePurge(clock.GetUtcNow()).ShouldSucceed();

        org.RecordUsage(4, 1_000, retentionUntil: null, logicalBytes: 3_000);

        (org.StorageUsedBytes, org.StorageLogicalBytes).ShouldBe((0L, 0L));
    }
}
