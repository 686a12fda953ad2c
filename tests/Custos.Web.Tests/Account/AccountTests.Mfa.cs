using System.Net;
using Custos.Data;
using Custos.Web.Components.Account;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.Account;

public abstract partial class AccountTests<TFixture>
{
    private const string WrongCodeMessage = "That code is not right.";

    [Fact]
    public async Task Mfa_Enrolment_ShowsTheKeyAndUriAndTurnsOnOnlyWithTheAppsCode()
    {
        var user = await CreateUserAsync(PartnerRole.ReadOnly);
        using var session = await PortalSession.SignInAsync(App, user.Email, user.Password);

        var page = await session.GetHtmlAsync("/account/mfa");
        var keptAfterNewKey = await CookieMatchesStampAsync(session, user.Id);
        var key = SharedKey(page);
        using var wrong = await session.PostFormAsync("/account/mfa", "mfa-enable", new Dictionary<string, string?> { ["Enable.Code"] = WrongCode(key) });
        var wrongText = await TextOfAsync(wrong);
        var offAfterWrong = (await LoadUserAsync(user.Id)).TwoFactorEnabled;
        using var right = await session.PostFormAsync("/account/mfa", "mfa-enable", new Dictionary<string, string?> { ["Enable.Code"] = CurrentCode(key) });
        var rightHtml = await right.Content.ReadAsStringAsync();

        key.Length.ShouldBeGreaterThanOrEqualTo(16);
        Html.Text(page).ShouldContain(string.Join(' ', key.Chunk(4).Select(c => new string(c))));
        page.ShouldContain($"otpauth://totp/Custos:{Uri.EscapeDataString(user.Email)}?secret={key}&amp;issuer=Custos&amp;digits=6&amp;period=30");
        page.ShouldContain("<label for=\"enable-code\">Authentication code</label>");
        wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        wrongText.ShouldContain(WrongCodeMessage);
        offAfterWrong.ShouldBeFalse();
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(rightHtml).ShouldContain("Two-factor authentication is on.");
        var codes = RecoveryCodes(rightHtml);
        codes.Count.ShouldBe(10);
        codes.Distinct().Count().ShouldBe(10);
        (await LoadUserAsync(user.Id)).TwoFactorEnabled.ShouldBeTrue();
        keptAfterNewKey.ShouldBeTrue();
        (await CookieMatchesStampAsync(session, user.Id)).ShouldBeTrue();

        // The codes are shown once and stored only as hashes.
        var stored = await App.InDatabaseAsync(db => db.UserTokens.AsNoTracking().Where(t => t.UserId == user.Id).Select(t => t.Value).ToListAsync());
        codes.ShouldAllBe(c => stored.All(v => v == null || !v.Contains(c)));
        var later = await session.GetHtmlAsync("/account/mfa");
        RecoveryCodes(later).ShouldBeEmpty();
        Html.Text(later).ShouldContain("Recovery codes left: 10");
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SignIn_WithMfaOn_AsksForTheCodeAndSignsInOnlyWithTheRightOne()
    {
        var user = await CreateUserAsync();
        var (key, _) = await EnrolAsync(user);
        using var session = PortalSession.Anonymous(App);

        var challenge = await PasswordStepAsync(session, user);
        var afterPassword = await OrganizationsStatusAsync(session);
        var page = await session.GetHtmlAsync(challenge);
        using var wrong = await PostCodeAsync(session, challenge, WrongCode(key));
        using var right = await PostCodeAsync(session, challenge, CurrentCode(key));

        afterPassword.ShouldBe(HttpStatusCode.Redirect);
        page.ShouldContain("<label for=\"code\">Authentication code</label>");
        page.ShouldContain("<label for=\"remember-device\">Remember this device</label>");
        page.ShouldContain("href=\"/signin/recovery?returnUrl=%2Fstart\"");
        wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(wrong)).ShouldContain(WrongCodeMessage);
        right.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        LocationOf(right).ShouldBe(AccountEndpoints.StartPath);
        IsSignedIn(session).ShouldBeTrue();
        (await OrganizationsStatusAsync(session)).ShouldBe(HttpStatusCode.OK);
        (await LoadUserAsync(user.Id)).AccessFailedCount.ShouldBe(0);
    }

    [Fact]
    public async Task SignIn_WithRememberThisDevice_SkipsTheCodeNextTimeOnThatDeviceOnly()
    {
        var user = await CreateUserAsync();
        var (key, _) = await EnrolAsync(user);
        using var device = PortalSession.Anonymous(App);
        var challenge = await PasswordStepAsync(device, user);
        using (var verified = await PostCodeAsync(device, challenge, CurrentCode(key), rememberDevice: true))
        {
            verified.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using (var signOut = await device.PostFormAsync("/signout", "signout", [], await device.TokenFromAsync("/account/mfa")))
        {
            signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        IsSignedIn(device).ShouldBeFalse();

        using var again = await PostSignInAsync(device, user.Email, user.Password);
        using var otherDevice = PortalSession.Anonymous(App);
        var otherChallenge = await PasswordStepAsync(otherDevice, user);

        again.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        LocationOf(again).ShouldBe(AccountEndpoints.StartPath);
        IsSignedIn(device).ShouldBeTrue();
        otherChallenge.ShouldStartWith("/signin/mfa");
        IsSignedIn(otherDevice).ShouldBeFalse();
    }

    [Fact]
    public async Task SignIn_AfterFiveWrongCodes_LocksTheAccountAndRefusesTheRightCode()
    {
        var user = await CreateUserAsync();
        var (key, _) = await EnrolAsync(user);
        using var session = PortalSession.Anonymous(App);
        var challenge = await PasswordStepAsync(session, user);

        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await PostCodeAsync(session, challenge, WrongCode(key));
            answers.Add(await TextOfAsync(wrong));
        }

        using var right = await PostCodeAsync(session, challenge, CurrentCode(key));

        answers.Take(4).ShouldAllBe(a => a.Contains(WrongCodeMessage));
        answers[4].ShouldContain("This account is locked");
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(right)).ShouldContain("This account is locked");
        IsSignedIn(session).ShouldBeFalse();
        (await LoadUserAsync(user.Id)).LockoutEnd.ShouldNotBeNull();
    }

    [Fact]
    public async Task SignIn_WithARecoveryCode_WorksOncePerCode()
    {
        var user = await CreateUserAsync();
        var (_, codes) = await EnrolAsync(user);
        using var first = PortalSession.Anonymous(App);
        var challenge = await PasswordStepAsync(first, user);
        var recovery = "/signin/recovery" + challenge[challenge.IndexOf('?', StringComparison.Ordinal)..challenge.IndexOf('&', StringComparison.Ordinal)];

        var page = await first.GetHtmlAsync(recovery);
        using var wrong = await PostRecoveryCodeAsync(first, recovery, "AAAAA-BBBBB");
        using var right = await PostRecoveryCodeAsync(first, recovery, codes[3].ToLowerInvariant());
        using var second = PortalSession.Anonymous(App);
        await PasswordStepAsync(second, user);
        using var reused = await PostRecoveryCodeAsync(second, recovery, codes[3]);

        page.ShouldContain("<label for=\"recovery-code\">Recovery code</label>");
        wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(wrong)).ShouldContain("That recovery code is not right, or it has been used already.");
        right.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        LocationOf(right).ShouldBe(AccountEndpoints.StartPath);
        IsSignedIn(first).ShouldBeTrue();
        reused.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(reused)).ShouldContain("That recovery code is not right, or it has been used already.");
        IsSignedIn(second).ShouldBeFalse();
        Html.Text(await first.GetHtmlAsync("/account/mfa")).ShouldContain("Recovery codes left: 9");
    }

    [Fact]
    public async Task Mfa_NewRecoveryCodes_NeedACodeAndReplaceTheOldOnes()
    {
        var user = await CreateUserAsync();
        var (key, oldCodes) = await EnrolAsync(user);
        using var session = await SignInWithCodeAsync(user, key);

        using var refused = await ManageAsync(session, WrongCode(key), "NewRecoveryCodes");
        using var renewed = await ManageAsync(session, CurrentCode(key), "NewRecoveryCodes");
        var newCodes = RecoveryCodes(await renewed.Content.ReadAsStringAsync());

        (await TextOfAsync(refused)).ShouldContain(WrongCodeMessage);
        RecoveryCodes(await refused.Content.ReadAsStringAsync()).ShouldBeEmpty();
        newCodes.Count.ShouldBe(10);
        newCodes.ShouldNotContain(oldCodes[0]);
        (await CookieMatchesStampAsync(session, user.Id)).ShouldBeTrue();
        using var visitor = PortalSession.Anonymous(App);
        var challenge = await PasswordStepAsync(visitor, user);
        var recovery = "/signin/recovery" + challenge[challenge.IndexOf('?', StringComparison.Ordinal)..challenge.IndexOf('&', StringComparison.Ordinal)];
        using (var old = await PostRecoveryCodeAsync(visitor, recovery, oldCodes[0]))
        {
            (await TextOfAsync(old)).ShouldContain("That recovery code is not right");
        }

        using var fresh = await PostRecoveryCodeAsync(visitor, recovery, newCodes[0]);
        fresh.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Mfa_TurnOff_NeedsACurrentCodeThenSignInNeedsOnlyThePassword()
    {
        var user = await CreateUserAsync();
        var (key, _) = await EnrolAsync(user);
        using var session = await SignInWithCodeAsync(user, key);

        using var refused = await ManageAsync(session, WrongCode(key), "TurnOff");
        using var empty = await ManageAsync(session, "", "TurnOff");
        var stillOn = (await LoadUserAsync(user.Id)).TwoFactorEnabled;
        using var turnedOff = await ManageAsync(session, CurrentCode(key), "TurnOff");

        (await TextOfAsync(refused)).ShouldContain(WrongCodeMessage);
        (await TextOfAsync(empty)).ShouldContain("Enter the code from your authenticator app.");
        stillOn.ShouldBeTrue();
        turnedOff.StatusCode.ShouldBe(HttpStatusCode.OK);
        var offText = await TextOfAsync(turnedOff);
        offText.ShouldContain("Two-factor authentication is off.");
        SharedKey(await turnedOff.Content.ReadAsStringAsync()).ShouldNotBe(key);
        (await LoadUserAsync(user.Id)).TwoFactorEnabled.ShouldBeFalse();
        (await CookieMatchesStampAsync(session, user.Id)).ShouldBeTrue();
        using var visitor = PortalSession.Anonymous(App);
        using var signIn = await PostSignInAsync(visitor, user.Email, user.Password);
        LocationOf(signIn).ShouldBe(AccountEndpoints.StartPath);
    }

    [Fact]
    public async Task Mfa_WithTamperedOrOverlongInput_AnswersWithoutChangingAnything()
    {
        var user = await CreateUserAsync();
        var (key, _) = await EnrolAsync(user);
        using var session = await SignInWithCodeAsync(user, key);

        using var noAction = await ManageAsync(session, CurrentCode(key), null);
        using var badAction = await ManageAsync(session, CurrentCode(key), "DeleteEverything");
        using var overlong = await ManageAsync(session, new string('1', 10_000), "TurnOff");
        using var control = await ManageAsync(session, "12\u00013456", "TurnOff");
        using var enableWhileOn = await session.PostFormAsync("/account/mfa", "mfa-enable", new Dictionary<string, string?> { ["Enable.Code"] = CurrentCode(key) });

        foreach (var answer in new[] { noAction, badAction, overlong, control, enableWhileOn })
        {
            ((int)answer.StatusCode).ShouldBeLessThan(500);
        }

        (await TextOfAsync(noAction)).ShouldContain("Choose what to change.");
        (await TextOfAsync(overlong)).ShouldContain("Enter the 6 digits your authenticator app shows.");
        (await TextOfAsync(control)).ShouldContain("Enter the 6 digits your authenticator app shows.");
        (await LoadUserAsync(user.Id)).TwoFactorEnabled.ShouldBeTrue();
        Html.Text(await session.GetHtmlAsync("/account/mfa")).ShouldContain("Recovery codes left: 10");
    }

    [Fact]
    public async Task MfaChallenge_WithoutAPasswordStep_AsksToSignInAgain()
    {
        using var session = PortalSession.Anonymous(App);

        var page = await session.GetHtmlAsync("/signin/mfa?returnUrl=%2Forganizations&rememberMe=banana");
        var recovery = await session.GetHtmlAsync("/signin/recovery?returnUrl=https%3A%2F%2Fevil.example");

        Html.Text(page).ShouldContain("Your sign-in has timed out.");
        Html.Text(recovery).ShouldContain("Your sign-in has timed out.");
        recovery.ShouldNotContain("evil.example");
    }

    [Fact]
    public async Task MfaPage_WhenSignedOut_RedirectsToSignIn()
    {
        using var session = PortalSession.Anonymous(App);

        using var response = await session.GetAsync("/account/mfa");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        LocationOf(response).ShouldStartWith("/signin");
    }

    private async Task<PortalSession> SignInWithCodeAsync(TestUser user, string key)
    {
        var session = PortalSession.Anonymous(App);
        var challenge = await PasswordStepAsync(session, user);
        using var verified = await PostCodeAsync(session, challenge, CurrentCode(key));
        verified.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return session;
    }

    private static Task<HttpResponseMessage> PostCodeAsync(PortalSession session, string challenge, string code, bool rememberDevice = false) =>
        session.PostFormAsync(challenge, "signin-mfa", new Dictionary<string, string?>
        {
            ["Input.Code"] = code,
            ["Input.RememberDevice"] = rememberDevice ? "true" : null,
        });

    private static Task<HttpResponseMessage> PostRecoveryCodeAsync(PortalSession session, string recovery, string code) =>
        session.PostFormAsync(recovery, "signin-recovery", new Dictionary<string, string?> { ["Input.Code"] = code });

    private static Task<HttpResponseMessage> ManageAsync(PortalSession session, string code, string? action) =>
        session.PostFormAsync("/account/mfa", "mfa-manage", new Dictionary<string, string?>
        {
            ["Manage.Code"] = code,
            ["Manage.Action"] = action,
        });
}
