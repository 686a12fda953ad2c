using Custos.Domain.Audit;
using Custos.Domain.Transfers;

namespace Custos.Domain.Tests;

public class AuditEventNameTests
{
    public static TheoryData<AuditEventType> AllTypes() => [.. Enum.GetValues<AuditEventType>()];

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void EveryEventType_HasAHumanReadableName(AuditEventType type)
    {
        var name = AuditEventNames.Of(type);

        name.ShouldNotBeNullOrWhiteSpace($"{type} ({(int)type}) needs a name in AuditEventNames");
        name.ShouldNotBe(type.ToString());
    }

    [Fact]
    public void EventNames_AreDistinct() =>
        Enum.GetValues<AuditEventType>().Select(AuditEventNames.Display).ShouldBeUnique();

    [Fact]
    public void Display_OfAnUnknownNumber_IsNotEmpty() =>
        AuditEventNames.Display((AuditEventType)999_999).ShouldBe("Event 999999");

    [Theory]
    [InlineData("Ann", null, "Ann")]
    [InlineData("Ann", "Bob", "Ann (as client, by Bob)")]
    public void Who_ShowsTheImpersonatorBehindTheActor(string actor, string? impersonator, string expected) =>
        AuditEventNames.Who(actor, impersonator).ShouldBe(expected);
}

public class TransferTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly Actor Op = new("op", "Otto");

    private static Transfer Pending() => Transfer.Request(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), new Actor("u", "Olga"), Now);

    [Theory]
    [InlineData("2026-03-10T09:00:00Z", "2026-04-01T00:00:00Z")]
    [InlineData("2026-03-31T23:59:59Z", "2026-04-01T00:00:00Z")]
    [InlineData("2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")]
    [InlineData("2026-03-31T23:30:00-02:00", "2026-05-01T00:00:00Z")]
    public void CutOff_IsTheFirstOfTheNextMonthUtc(string at, string expected) =>
        Transfer.CutOffAfter(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Approve_ThenExecute_OnlyAtTheCutOffAndOnce()
    {
        var t = Pending();
        t.Approve(Op, Now).IsSuccess.ShouldBeTrue();

        t.MarkExecuted(t.EffectiveAt!.Value.AddTicks(-1)).Error.ShouldBeOfType<TransferNotDue>();
        t.MarkExecuted(t.EffectiveAt!.Value).IsSuccess.ShouldBeTrue();
        t.MarkExecuted(t.EffectiveAt!.Value).Error.ShouldBeOfType<TransferNotDue>();
        t.Status.ShouldBe(TransferStatus.Executed);
    }

    [Fact]
    public void Cancel_AfterTheCutOff_IsRefused()
    {
        var t = Pending();
        t.Approve(Op, Now);

        t.Cancel(t.EffectiveAt!.Value).Error.ShouldBeOfType<TransferPastCutOff>();
        t.Cancel(t.EffectiveAt!.Value.AddTicks(-1)).IsSuccess.ShouldBeTrue();
        t.Cancel(Now).Error.ShouldBeOfType<TransferNotOpen>();
    }

    [Theory]
    [InlineData(TransferStatus.Approved)]
    [InlineData(TransferStatus.Rejected)]
    [InlineData(TransferStatus.Cancelled)]
    public void Decisions_OnANonPendingTransfer_AreRefused(TransferStatus state)
    {
        var t = Pending();
        _ = state switch
        {
            TransferStatus.Approved => t.Approve(Op, Now),
            TransferStatus.Rejected => t.Reject(Op, "no", Now),
            _ => t.Cancel(Now),
        };

        t.Approve(Op, Now).Error.ShouldBeOfType<TransferNotPending>();
        t.Reject(Op, "because", Now).Error.ShouldBeOfType<TransferNotPending>();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("line\u0000break")]
    public void Reject_WithoutAPlainReason_IsRefusedOnTheReasonField(string? reason) =>
        Pending().Reject(Op, reason, Now).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("reason");
}
