using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Custos.Web.Tests.Account;

public abstract partial class AccountTests<TFixture>
{
    private const string NewPassword = "Brand-New-Secret-2026";
    private const string LinkExpired = "This link has expired or has already been used.";

    [Fact]
    public async Task ForgotPassword_ForAKnownAndAnUnknownEmail_AnswersTheSameAndMailsOnlyTheAccount()
    {
        var user = await CreateUserAsync();
        var unknown = $"nobody.{Guid.NewGuid():N}@example.test";
        using var session = PortalSession.Anonymous(App);

        using var known = await RequestResetAsync(session, user.Email);
        using var stranger = await RequestResetAsync(session, unknown);

        known.StatusCode.ShouldBe(HttpStatusCode.OK);
        stranger.StatusCode.ShouldBe(HttpStatusCode.OK);
        var knownText = await TextOfAsync(known);
        knownText.ShouldContain("a link to choose a new password is on its way");
        (await TextOfAsync(stranger)).Replace(unknown, "ADDRESS", StringComparison.Ordinal)
            .ShouldBe(knownText.Replace(user.Email, "ADDRESS", StringComparison.Ordinal));
        (await MailsToAsync(unknown)).ShouldBeEmpty();
        var mail = (await MailsToAsync(user.Email)).ShouldHaveSingleItem();
        var from = mail.From.Mailboxes.ShouldHaveSingleItem();
        (from.Name, from.Address).ShouldBe(("Custos", "no-reply@custos.local"));
        mail.Subject.ShouldBe("Reset your Custos password");
        (mail.TextBody ?? "").ShouldContain(ResetLinkOf(mail));
        (mail.HtmlBody ?? "").ShouldContain("Choose a new password");
        new Uri(ResetLinkOf(mail)).GetLeftPart(UriPartial.Authority).ShouldBe(App.Address.GetLeftPart(UriPartial.Authority));
    }

    [Fact]
    public async Task ForgotPassword_WithAnOverlongOrInvalidEmail_ShowsAFieldErrorAndMailsNothing()
    {
        using var session = PortalSession.Anonymous(App);
        var overlong = new string('a', 10_000) + "@example.test";

        using var longAnswer = await RequestResetAsync(session, overlong);
        using var invalidAnswer = await RequestResetAsync(session, "not an address");
        using var controlAnswer = await RequestResetAsync(session, "some\u0001one@example.test");

        longAnswer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(longAnswer)).ShouldContain("An email address has at most 254 characters.");
        invalidAnswer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(invalidAnswer)).ShouldContain("Enter an email address such as name@example.com.");
        controlAnswer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(controlAnswer)).ShouldContain("Enter an email address such as name@example.com.");
        (await MailsToAsync(overlong)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ResetPassword_FromTheMailedLink_ChangesThePasswordOnceAndEndsTheLockout()
    {
        var user = await CreateUserAsync();
        using var elsewhere = await PortalSession.SignInAsync(App, user.Email, user.Password);
        using var session = PortalSession.Anonymous(App);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await PostSignInAsync(session, user.Email, $"Wrong-Password-{i}-Xy");
        }

        (await LoadUserAsync(user.Id)).LockoutEnd.ShouldNotBeNull();
        using (await RequestResetAsync(session, user.Email))
        {
        }

        var link = PathOf(ResetLinkOf((await MailsToAsync(user.Email)).ShouldHaveSingleItem()));

        (await session.GetHtmlAsync(link)).ShouldContain("New password");
        using var reset = await PostNewPasswordAsync(session, link, NewPassword, NewPassword);

        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(reset)).ShouldContain("Your password has been changed.");
        var changed = await LoadUserAsync(user.Id);
        changed.LockoutEnd.ShouldBeNull();
        changed.AccessFailedCount.ShouldBe(0);
        (await CookieMatchesStampAsync(elsewhere, user.Id)).ShouldBeFalse("a reset signs out other sessions");

        using (var old = await PostSignInAsync(PortalSession.Anonymous(App), user.Email, user.Password))
        {
            (await TextOfAsync(old)).ShouldContain("The email or password is not right.");
        }

        using (var fresh = PortalSession.Anonymous(App))
        using (var signIn = await PostSignInAsync(fresh, user.Email, NewPassword))
        {
            signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            IsSignedIn(fresh).ShouldBeTrue();
        }

        // The second use of the same link: refused when opened and when posted, and nothing changes.
        (await session.GetHtmlAsync(link)).ShouldContain(LinkExpired);
        using var again = await PostNewPasswordAsync(session, link, "Another-Secret-2027", "Another-Secret-2027", await session.TokenFromAsync("/signin"));
        (await TextOfAsync(again)).ShouldContain(LinkExpired);
        (await TextOfAsync(again)).ShouldContain("Send me a new link");
        (await LoadUserAsync(user.Id)).PasswordHash.ShouldBe(changed.PasswordHash);
    }

    [Fact]
    public async Task ResetPassword_WithAPasswordThatBreaksTheRules_ShowsFieldErrorsAndChangesNothing()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);
        using (await RequestResetAsync(session, user.Email))
        {
        }

        var link = PathOf(ResetLinkOf((await MailsToAsync(user.Email)).ShouldHaveSingleItem()));
        var hashBefore = (await LoadUserAsync(user.Id)).PasswordHash;

        using var tooShort = await PostNewPasswordAsync(session, link, "Short-1", "Short-1");
        using var noDigit = await PostNewPasswordAsync(session, link, "No-Digits-In-Here", "No-Digits-In-Here");
        using var mismatch = await PostNewPasswordAsync(session, link, NewPassword, NewPassword + "!");
        using var huge = await PostNewPasswordAsync(session, link, new string('A', 10_000) + "a1", new string('A', 10_000) + "a1");
        using var control = await PostNewPasswordAsync(session, link, "Control\u0001Chars\u0007-1", "Control\u0002Chars\u0007-1");
        using var nul = await PostNewPasswordAsync(session, link, "Nul\u0000Character-1a", "Nul\u0000Character-1a");

        foreach (var answer in new[] { tooShort, mismatch, huge, control })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await TextOfAsync(answer)).ShouldContain("Check the fields marked below.");
        }

        (await TextOfAsync(tooShort)).ShouldContain("A password has 12 to 256 characters.");
        noDigit.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(noDigit)).ShouldContain("The new password does not meet the rules below.");
        (await TextOfAsync(noDigit)).ShouldContain("Passwords must have at least one digit");
        (await TextOfAsync(mismatch)).ShouldContain("The two passwords are not the same.");
        (await TextOfAsync(huge)).ShouldContain("A password has 12 to 256 characters.");
        ((int)nul.StatusCode).ShouldBeInRange(400, 499);
        (await LoadUserAsync(user.Id)).PasswordHash.ShouldBe(hashBefore);

        // The link still works after the refused attempts.
        using var good = await PostNewPasswordAsync(session, link, NewPassword, NewPassword);
        (await TextOfAsync(good)).ShouldContain("Your password has been changed.");
    }

    [Fact]
    public async Task ResetPassword_WithATamperedLink_SaysTheLinkCannotWorkAndChangesNothing()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);
        using (await RequestResetAsync(session, user.Email))
        {
        }

        var link = PathOf(ResetLinkOf((await MailsToAsync(user.Email)).ShouldHaveSingleItem()));
        var code = Uri.UnescapeDataString(Regex.Match(link, "code=([^&]+)").Groups[1].Value);
        var other = await CreateUserAsync();
        var hashBefore = (await LoadUserAsync(user.Id)).PasswordHash;
        var otherHashBefore = (await LoadUserAsync(other.Id)).PasswordHash;

        string[] tampered =
        [
            $"/reset-password?email={Uri.EscapeDataString(user.Email)}&code=not-base64!!",
            $"/reset-password?email={Uri.EscapeDataString(user.Email)}&code={new string('A', 10_000)}",
            $"/reset-password?email={Uri.EscapeDataString(user.Email)}&code={Uri.EscapeDataString(code[..^4] + "AAAA")}",
            $"/reset-password?email={Uri.EscapeDataString(other.Email)}&code={Uri.EscapeDataString(code)}",
            $"/reset-password?email=%01%00&code={Uri.EscapeDataString(code)}",
            $"/reset-password?email={Uri.EscapeDataString(user.Email)}%00&code={Uri.EscapeDataString(code)}",
            "/reset-password",
        ];
        foreach (var address in tampered)
        {
            (await session.GetHtmlAsync(address)).ShouldContain(LinkExpired, customMessage: address);
        }

        // A form posted with a forged hidden email or code is refused the same way.
        using var forged = await session.PostFormAsync(link, "reset-password", new Dictionary<string, string?>
        {
            ["Input.Email"] = other.Email,
            ["Input.Code"] = code,
            ["Input.Password"] = NewPassword,
            ["Input.Repeat"] = NewPassword,
        });
        forged.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await TextOfAsync(forged)).ShouldContain(LinkExpired);
        (await LoadUserAsync(user.Id)).PasswordHash.ShouldBe(hashBefore);
        (await LoadUserAsync(other.Id)).PasswordHash.ShouldBe(otherHashBefore);
    }

    [Fact]
    public async Task ResetPassword_WithALinkOlderThanAnHour_SaysItExpiredAndOneJustYoungerWorks()
    {
        var user = await CreateUserAsync();
        using var session = PortalSession.Anonymous(App);
        var now = TimeProvider.System.GetUtcNow();
        var expired = ResetLink(user.Email, await ResetCodeIssuedAtAsync(user, now.AddMinutes(-61)));
        var young = ResetLink(user.Email, await ResetCodeIssuedAtAsync(user, now.AddMinutes(-59)));
        var hashBefore = (await LoadUserAsync(user.Id)).PasswordHash;

        var expiredPage = await session.GetHtmlAsync(expired);
        using var expiredPost = await PostNewPasswordAsync(session, expired, NewPassword, NewPassword, await session.TokenFromAsync("/signin"));
        var hashAfterExpired = (await LoadUserAsync(user.Id)).PasswordHash;
        using var youngPost = await PostNewPasswordAsync(session, young, NewPassword, NewPassword);

        App.Services.GetRequiredService<IOptions<DataProtectionTokenProviderOptions>>().Value.TokenLifespan.ShouldBe(TimeSpan.FromHours(1));
        Html.Text(expiredPage).ShouldContain(LinkExpired);
        (await TextOfAsync(expiredPost)).ShouldContain(LinkExpired);
        hashAfterExpired.ShouldBe(hashBefore);
        (await TextOfAsync(youngPost)).ShouldContain("Your password has been changed.");
    }

    /// A reset code as Identity's token provider would have issued it at <paramref name="issued"/>
    /// (its format: ticks, user id, purpose, security stamp, protected by the provider's purpose).
    /// Checked against Identity first, so a change of that format fails here rather than passing wrongly.
    private async Task<string> ResetCodeIssuedAtAsync(TestUser user, DateTimeOffset issued) =>
        await App.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var appUser = (await users.FindByIdAsync(user.Id.ToString())).ShouldNotBeNull();
            var protector = sp.GetRequiredService<IDataProtectionProvider>()
                .CreateProtector(sp.GetRequiredService<IOptions<DataProtectionTokenProviderOptions>>().Value.Name);

            string Forge(DateTimeOffset at, string stamp)
            {
                using var payload = new MemoryStream();
                using (var writer = new BinaryWriter(payload, new UTF8Encoding(false, true), leaveOpen: true))
                {
                    writer.Write(at.UtcTicks);
                    writer.Write(user.Id.ToString());
                    writer.Write(UserManager<AppUser>.ResetPasswordTokenPurpose);
                    writer.Write(stamp);
                }

                return Convert.ToBase64String(protector.Protect(payload.ToArray()));
            }

            var stamp = await users.GetSecurityStampAsync(appUser);
            (await users.VerifyUserTokenAsync(appUser, users.Options.Tokens.PasswordResetTokenProvider, UserManager<AppUser>.ResetPasswordTokenPurpose, Forge(TimeProvider.System.GetUtcNow(), stamp)))
                .ShouldBeTrue("a freshly forged token must pass, else the token format changed");
            return WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(Forge(issued, stamp)));
        });

    private static string ResetLink(string email, string code) =>
        $"/reset-password?email={Uri.EscapeDataString(email)}&code={Uri.EscapeDataString(code)}";

    private static Task<HttpResponseMessage> RequestResetAsync(PortalSession session, string email) =>
        session.PostFormAsync("/forgot-password", "forgot-password", new Dictionary<string, string?> { ["Input.Email"] = email });

    /// Posts the reset form as the page at <paramref name="link"/> renders it (with its hidden email and code).
    private static async Task<HttpResponseMessage> PostNewPasswordAsync(PortalSession session, string link, string password, string repeat, string? token = null)
    {
        var query = new Uri(new Uri("http://x"), link).Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        var fields = new Dictionary<string, string?>
        {
            ["Input.Email"] = query["email"],
            ["Input.Code"] = query["code"],
            ["Input.Password"] = password,
            ["Input.Repeat"] = repeat,
        };
        return token is null
            ? await session.PostFormAsync(link, "reset-password", fields)
            : await session.PostFormAsync(link, "reset-password", fields, token);
    }

    private static string ResetLinkOf(MimeMessage mail) =>
        Regex.Match(mail.TextBody ?? "", @"https?://\S+/reset-password\?\S+") is { Success: true } m
            ? m.Value
            : throw new InvalidOperationException("The mail holds no reset link:\n" + mail.TextBody);

    private static string PathOf(string link) => new Uri(link).PathAndQuery;
}
