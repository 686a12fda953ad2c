using Custos.Domain.Organizations;
using Custos.Domain.Partners;

namespace Custos.Domain.Tests;

public class NoticesTests
{
    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(true, false, false, false)]
    [InlineData(false, true, false, true)]
    [InlineData(false, true, true, true)]
    [InlineData(false, false, true, false)]
    public void SendSignIn_FollowsTheCheckboxOnlyWhileItShows(bool shown, bool byDefault, bool posted, bool sends)
    {
        var settings = NotificationSettings.Default with { ShowSendSignIn = shown, SendSignInByDefault = byDefault };

        settings.SendSignIn(posted).ShouldBe(sends);
    }

    [Theory]
    [InlineData(true, false, false, false)]
    [InlineData(true, true, false, true)]
    [InlineData(true, false, true, true)]
    [InlineData(false, false, false, true)]
    public void ChangeNotifications_NoticesOnWithoutRecipients_IsRefused(bool notices, bool owner, bool admins, bool accepted)
    {
        var partner = Given.Partner(Given.Start);
        var settings = NotificationSettings.Default with { LifecycleNotices = notices, NotifyOrganizationOwner = owner, NotifyPartnerAdmins = admins };

        var result = partner.ChangeNotifications(settings);

        if (accepted)
        {
            result.IsSuccess.ShouldBeTrue();
            partner.Notifications.ShouldBe(settings);
            partner.NotificationSettingsVersion.ShouldBe(1);
        }
        else
        {
            result.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("recipients");
            partner.Notifications.ShouldBe(NotificationSettings.Default);
            partner.NotificationSettingsVersion.ShouldBe(0);
        }
    }

    [Fact]
    public void ChangeNotifications_ToTheSameSettings_ReportsNothingChanged()
    {
        var partner = Given.Partner(Given.Start);

        partner.ChangeNotifications(NotificationSettings.Default).Error.ShouldBeOfType<SettingsUnchanged>();
        partner.NotificationSettingsVersion.ShouldBe(0);
    }

    [Theory]
    [InlineData(new int[0], null)]
    [InlineData(new[] { 0, 10 }, null)]
    [InlineData(new[] { 0, 10, 20 }, 60)]
    [InlineData(new[] { 20, 0, 10 }, 60)]
    [InlineData(new[] { -70, 0, 10 }, null)]
    [InlineData(new[] { -30, 0, 10 }, null)]
    [InlineData(new[] { -25, 0, 10, 20 }, 60)]
    public void NextAllowedAt_CountsTheLinksOfTheLastRollingHour(int[] issuedAtMinutes, int? allowedAfterMinutes)
    {
        // Links issued at Start + m minutes; "now" is Start + 30 minutes.
        var now = Given.Start + TimeSpan.FromMinutes(30);
        var issued = issuedAtMinutes.Select(m => Given.Start + TimeSpan.FromMinutes(m)).ToList();

        var next = PasswordResets.NextAllowedAt(issued, now);

        next.ShouldBe(allowedAfterMinutes is { } m ? Given.Start + TimeSpan.FromMinutes(m) : null);
    }

    [Theory]
    [InlineData(OrganizationStatus.Active, true)]
    [InlineData(OrganizationStatus.Unsubscribed, true)]
    [InlineData(OrganizationStatus.Suspended, false)]
    [InlineData(OrganizationStatus.Deleted, false)]
    public void IssuePasswordReset_OnlyWhileTheOwnerMaySignIn(OrganizationStatus status, bool issued)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: status);
        var account = LoginAccount.ForOwner(org, clock.GetUtcNow());

        var result = account.IssuePasswordReset(org, [], clock.GetUtcNow());

        if (issued)
        {
            var (link, token) = result.ShouldSucceed();
            link.Purpose.ShouldBe(AccessLinkPurpose.PasswordReset);
            link.ExpiresAt.ShouldBe(clock.GetUtcNow() + TimeSpan.FromHours(1));
            link.TokenHash.ShouldBe(AccessLink.HashOf(token));
            account.LastPasswordResetAt.ShouldBe(clock.GetUtcNow());
        }
        else
        {
            result.Error.ShouldBeOfType<PasswordResetRefused>().Status.ShouldBe(status);
            account.LastPasswordResetAt.ShouldBeNull();
        }
    }

    [Fact]
    public void IssuePasswordReset_OverTheLimit_SaysWhenItIsPossibleAgain()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var account = LoginAccount.ForOwner(org, clock.GetUtcNow());
        var now = Given.Start + TimeSpan.FromMinutes(40) + TimeSpan.FromSeconds(5);
        DateTimeOffset[] recent = [Given.Start + TimeSpan.FromSeconds(5), Given.Start + TimeSpan.FromMinutes(20), Given.Start + TimeSpan.FromMinutes(30)];

        var refused = account.IssuePasswordReset(org, recent, now).Error.ShouldBeOfType<PasswordResetLimitReached>();

        refused.NextAllowedAt.ShouldBe(Given.Start + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(5));
        refused.Message.ShouldContain("3 times in the last hour");
        refused.Message.ShouldContain("2026-03-15 11:01 UTC"); // the next whole minute, never earlier than allowed
    }

    [Theory]
    [InlineData(59, true)]
    [InlineData(60, false)]
    public void PasswordResetLink_UsedTwiceOrLate_IsRefused(int minutes, bool works)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var (link, _) = AccessLink.Issue(LoginAccount.ForOwner(org, clock.GetUtcNow()), AccessLinkPurpose.PasswordReset, clock.GetUtcNow());
        var at = clock.GetUtcNow() + TimeSpan.FromMinutes(minutes);

        var first = link.Use(at);

        if (works)
        {
            first.IsSuccess.ShouldBeTrue();
            link.Use(at).Error.ShouldBeOfType<AccessLinkUsed>();
        }
        else
        {
            first.Error.ShouldBeOfType<AccessLinkExpired>();
        }
    }
}
