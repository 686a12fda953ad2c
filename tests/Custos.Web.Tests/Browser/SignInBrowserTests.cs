using Custos.Data;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// <see cref="PortalWorld"/> plus two users of the Top partner for two-factor authentication: one
/// enrolled through Identity's own services (its shared key known to the test), one not enrolled yet.
public sealed class SignInBrowserFixture() : BrowserFixture(new SqliteHostFixture())
{
    public const string Enrolled = "enrolled@top.test";
    public const string EnrolledName = "Erin Enrolled";
    public const string Enrolling = "enrolling@top.test";
    public const string EnrollingName = "Nico Newcomer";

    private string? _enrolledKey;

    public string EnrolledKey => _enrolledKey ?? throw new InvalidOperationException("The enrolled user was not seeded.");

    protected override async Task SeedAsync(CustosApp app)
    {
        var world = await PortalWorld.SeedAsync(app);
        var enrolled = await BrowserSeed.UserAsync(app, Enrolled, EnrolledName, world.Top.Id, PartnerRole.Owner, PortalWorld.Password);
        await BrowserSeed.UserAsync(app, Enrolling, EnrollingName, world.Top.Id, PartnerRole.Administrator, PortalWorld.Password);
        _enrolledKey = await app.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var user = await users.FindByIdAsync(enrolled.Id.ToString()) ?? throw new InvalidOperationException("The user is gone.");
            (await users.ResetAuthenticatorKeyAsync(user)).Succeeded.ShouldBeTrue();
            (await users.SetTwoFactorEnabledAsync(user, true)).Succeeded.ShouldBeTrue();
            return await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key.");
        });
    }
}

/// Signing in to the partner portal in Chromium, with and without two-factor authentication.
public sealed class SignInBrowserTests(SignInBrowserFixture fixture) : IClassFixture<SignInBrowserFixture>
{
    [Fact]
    public async Task SignIn_WithoutTwoFactor_OpensTheOrganizationsPageAndTheUserMenu()
    {
        await using var browser = await fixture.OpenAsync();

        await browser.SubmitSignInAsync(PortalWorld.TopOwner, PortalWorld.Password);

        await browser.ExpectHeadingAsync("Organizations");
        browser.Page.Url.ShouldEndWith("/organizations");
        await browser.Page.GetByText(PortalWorld.TopOwner, new() { Exact = true }).ClickAsync();
        await Expect(browser.Page.GetByText("Top Partner", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Copy Partner ID" })).ToBeVisibleAsync();

        await browser.SignOutAsync(PortalWorld.TopOwner);
        (await browser.GoAsync("/organizations")).ShouldBe(200);
        await browser.ExpectHeadingAsync("Sign in");
        browser.Page.Url.ShouldContain("/signin");
    }

    [Fact]
    public async Task SignIn_WithAWrongPassword_StaysOnTheSignInPageWithAnAlert()
    {
        await using var browser = await fixture.OpenAsync();

        await browser.SubmitSignInAsync(PortalWorld.SubOwner, "Not-The-Password-1");

        await Expect(browser.Alert).ToHaveTextAsync("The email or password is not right.");
        await browser.ExpectHeadingAsync("Sign in");
        (await browser.GoAsync("/organizations")).ShouldBe(200);
        await browser.ExpectHeadingAsync("Sign in");
    }

    [Fact]
    public async Task SignIn_WithTwoFactor_AsksForTheCodeAndRefusesAWrongOne()
    {
        await using var browser = await fixture.OpenAsync();
        var key = Base32Encoding.ToBytes(fixture.EnrolledKey);

        await browser.SubmitSignInAsync(SignInBrowserFixture.Enrolled, PortalWorld.Password);

        await browser.ExpectHeadingAsync("Two-factor authentication");
        browser.Page.Url.ShouldContain("/signin/mfa");
        await browser.Page.GetByLabel("Authentication code").FillAsync(WrongCode(key));
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Expect(browser.Alert).ToHaveTextAsync("The authentication code was not accepted.");
        await Expect(browser.Page.GetByLabel("Authentication code")).ToHaveAccessibleDescriptionAsync(
            "That code is not right. Codes change every 30 seconds: enter the one your app shows now.");

        await browser.Page.GetByLabel("Authentication code").FillAsync(Code(key));
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();

        await browser.ExpectHeadingAsync("Organizations");
        await Expect(browser.Page.GetByText(SignInBrowserFixture.EnrolledName, new() { Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TwoFactor_TurnedOnInTheAccountPage_IsAskedForAtTheNextSignIn()
    {
        await using var browser = await fixture.OpenAsync();
        await browser.SignInAsync(SignInBrowserFixture.Enrolling, PortalWorld.Password);
        var page = browser.Page;

        // The user menu leads to the account page, which shows the key to put in an authenticator app.
        await page.GetByText(SignInBrowserFixture.EnrollingName, new() { Exact = true }).ClickAsync();
        await browser.FollowAsync(page.GetByRole(AriaRole.Link, new() { Name = "Two-factor authentication" }));
        await browser.ExpectHeadingAsync("Two-factor authentication");
        var shown = await page.GetByLabel("Shared key", new() { Exact = true }).InnerTextAsync();
        var key = Base32Encoding.ToBytes(shown.Replace(" ", "", StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "setup link" })).ToHaveAttributeAsync(
            "href", new System.Text.RegularExpressions.Regex("^otpauth://totp/Custos:"));

        await page.GetByLabel("Authentication code").FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();

        await Expect(browser.Status).ToHaveTextAsync("Two-factor authentication is on. Save your recovery codes now.");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(10);

        await browser.SignOutAsync(SignInBrowserFixture.EnrollingName);
        await browser.SubmitSignInAsync(SignInBrowserFixture.Enrolling, PortalWorld.Password);
        await browser.ExpectHeadingAsync("Two-factor authentication");
        await page.GetByLabel("Authentication code").FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await browser.ExpectHeadingAsync("Organizations");
    }

    /// The code an authenticator app shows now (RFC 6238: 30-second steps, six digits). Identity checks
    /// codes against the real clock, so this one does too.
    private static string Code(byte[] key) => new Totp(key).ComputeTotp(TimeProvider.System.GetUtcNow().UtcDateTime);

    /// Six digits that none of the codes Identity accepts right now (two steps either side) is.
    private static string WrongCode(byte[] key)
    {
        var totp = new Totp(key);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var valid = Enumerable.Range(-3, 7).Select(step => totp.ComputeTotp(now.AddSeconds(step * 30))).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !valid.Contains(c));
    }
}
