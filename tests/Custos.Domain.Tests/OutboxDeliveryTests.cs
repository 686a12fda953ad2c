using Custos.Domain.Mail;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public sealed class OutboxDeliveryTests
{
    private static readonly DeliveryRetry Retry = DeliveryRetry.Default;

    private static OutboxMessage NewMessage(DateTimeOffset now) =>
        OutboxMessage.Create(new OutgoingMail("ann@example.test", "Hello", "text", "<p>html</p>"), "test.kind", now, "custos.test");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(40, 60)]
    public void DelayAfter_DoublesFromOneMinuteUpToAnHour(int attempt, int minutes) =>
        Retry.DelayAfter(attempt).ShouldBe(TimeSpan.FromMinutes(minutes));

    [Fact]
    public void BeginAttempt_WhenDue_CountsTheAttemptAndSchedulesTheNextBeforeAnythingIsSent()
    {
        var message = NewMessage(Given.Start);
        var version = message.Version;

        message.BeginAttempt(Given.Start, Retry).ShouldSucceed();

        message.Attempts.ShouldBe(1);
        message.NextAttemptAt.ShouldBe(Given.Start + TimeSpan.FromMinutes(1));
        message.Version.ShouldBe(version + 1);
        message.IsPending.ShouldBeTrue();
        message.BeginAttempt(Given.Start.AddSeconds(30), Retry).Error.ShouldBeOfType<MessageNotDue>();
    }

    [Fact]
    public void RecordFailure_Permanent_FailsAtOnce()
    {
        var message = NewMessage(Given.Start);
        message.BeginAttempt(Given.Start, Retry).ShouldSucceed();

        message.RecordFailure(Given.Start, "550 no such user", permanent: true, Retry);

        message.FailedAt.ShouldBe(Given.Start);
        message.LastError.ShouldBe("550 no such user");
        message.IsPending.ShouldBeFalse();
        message.BeginAttempt(Given.Start.AddHours(1), Retry).Error.ShouldBeOfType<MessageNotPending>();
    }

    [Fact]
    public void RecordFailure_Transient_RetriesWithBackoffAndGivesUpAfter24Hours()
    {
        var message = NewMessage(Given.Start);
        var now = Given.Start;
        var waits = new List<TimeSpan>();
        while (message.IsPending)
        {
            message.BeginAttempt(now, Retry).ShouldSucceed();
            message.RecordFailure(now, "connection refused", permanent: false, Retry);
            waits.Add(message.NextAttemptAt - now);
            now = message.NextAttemptAt;
        }

        waits.Take(4).ShouldBe([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(8)]);
        waits.Max().ShouldBe(TimeSpan.FromHours(1));
        var gaveUp = message.FailedAt.ShouldNotBeNull();
        (gaveUp - Given.Start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(24));
        (gaveUp - Given.Start).ShouldBeLessThan(TimeSpan.FromHours(25));
        message.LastError.ShouldBe("connection refused");
    }

    [Fact]
    public void RetryNow_MakesAFailedMessageDueAndNeverResendsASentOne()
    {
        var failed = NewMessage(Given.Start);
        failed.BeginAttempt(Given.Start, Retry).ShouldSucceed();
        failed.RecordFailure(Given.Start, "550", permanent: true, Retry);
        var later = Given.Start.AddHours(2);

        failed.RetryNow(later).ShouldSucceed();

        failed.IsPending.ShouldBeTrue();
        failed.NextAttemptAt.ShouldBe(later);
        failed.BeginAttempt(later, Retry).ShouldSucceed();

        var sent = NewMessage(Given.Start);
        sent.BeginAttempt(Given.Start, Retry).ShouldSucceed();
        sent.RecordSent(Given.Start);
        sent.RetryNow(later).Error.ShouldBeOfType<MessageAlreadySent>();
        sent.BeginAttempt(later, Retry).Error.ShouldBeOfType<MessageNotPending>();
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(24 * 7 - 1, true)]
    [InlineData(24 * 7, false)]
    public void InvitationLink_WorksOnceWithinSevenDays(int hoursLater, bool works)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Backup);
        var (link, token) = AccessLink.Issue(LoginAccount.ForOwner(org, clock.GetUtcNow()), AccessLinkPurpose.Invitation, clock.GetUtcNow());
        AccessLink.HashOf(token).ShouldBe(link.TokenHash);

        var first = link.Use(clock.GetUtcNow().AddHours(hoursLater));

        first.IsSuccess.ShouldBe(works);
        if (works)
        {
            link.Use(clock.GetUtcNow().AddHours(hoursLater)).Error.ShouldBeOfType<AccessLinkUsed>();
        }
        else
        {
            first.Error.ShouldBeOfType<AccessLinkExpired>();
        }
    }
}
