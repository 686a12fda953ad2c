using System.Net;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Partners;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using OtpNet;

namespace Custos.Web.Tests.Account;

/// Sign-in, lockout, password reset and two-factor authentication, over real HTTP against the
/// running host, the way a browser without script uses the pages. Every test makes its own user.
public abstract partial class AccountTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    protected const string AuthCookie = "custos.partner";

    protected CustosApp App => fixture.App;

    protected sealed record TestUser(Guid Id, string Email, string Password);

    /// A partner of its own with one user of the given role.
    protected async Task<TestUser> CreateUserAsync(PartnerRole role = PartnerRole.Owner) =>
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..10];
            var partner = Partner.Create($"Account Partner {unique}", "DE", null, isDistributor: false, now).Value!;
            db.Partners.Add(partner);
            await db.SaveChangesAsync();

            var email = $"person.{unique}@example.test";
            var user = new AppUser { UserName = email, Email = email, DisplayName = $"Person {unique}", PartnerId = partner.Id, Role = role };
            var password = $"Initial-Pass-{unique}-9";
            var created = await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, password);
            created.Succeeded.ShouldBeTrue(string.Join(", ", created.Errors.Select(e => e.Description)));
            return new TestUser(user.Id, email, password);
        });

    protected Task<AppUser> LoadUserAsync(Guid id) =>
        App.InDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id));

    protected static Dictionary<string, string?> SignInFields(string email, string password) =>
        new() { ["Input.Email"] = email, ["Input.Password"] = password };

    protected static Task<HttpResponseMessage> PostSignInAsync(PortalSession session, string email, string password) =>
        session.PostFormAsync("/signin", "signin", SignInFields(email, password));

    protected bool IsSignedIn(PortalSession session) =>
        session.Cookies.GetCookies(App.Address).Any(c => c.Name == AuthCookie && !c.Expired && c.Value.Length > 0);

    /// Whether the session's sign-in cookie carries the user's current security stamp, i.e. survives
    /// the periodic stamp check (a mismatch signs the person out within a minute).
    protected async Task<bool> CookieMatchesStampAsync(PortalSession session, Guid userId)
    {
        var cookie = session.Cookies.GetCookies(App.Address).Single(c => c.Name == AuthCookie);
        var format = App.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(IdentityConstants.ApplicationScheme).TicketDataFormat;
        var ticket = format.Unprotect(cookie.Value).ShouldNotBeNull();
        var stamp = ticket.Principal.FindFirst(new IdentityOptions().ClaimsIdentity.SecurityStampClaimType)?.Value;
        return stamp is not null && stamp == (await LoadUserAsync(userId)).SecurityStamp;
    }

    /// What a person reaching the portal's start page gets: 200 when signed in, a redirect to sign-in otherwise.
    protected static async Task<HttpStatusCode> OrganizationsStatusAsync(PortalSession session)
    {
        using var response = await session.GetAsync("/organizations");
        return response.StatusCode;
    }

    protected static async Task<string> TextOfAsync(HttpResponseMessage response) =>
        Html.Text(await response.Content.ReadAsStringAsync());

    /// The relative address of a redirect.
    protected static string LocationOf(HttpResponseMessage response) =>
        response.Headers.Location is { } location
            ? (location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString)
            : throw new InvalidOperationException($"No redirect: {(int)response.StatusCode}");

    /// Every message the host has delivered to <paramref name="email"/> (as .eml files), oldest first.
    protected Task<List<MimeMessage>> MailsToAsync(string email) => DeliveredMail.ToAsync(App, email);

    protected static string CurrentCode(string key) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(TimeProvider.System.GetUtcNow().UtcDateTime);

    /// A six-digit code that no step near the current time accepts.
    protected static string WrongCode(string key)
    {
        var totp = new Totp(Base32Encoding.ToBytes(key));
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var near = Enumerable.Range(-4, 9).Select(i => totp.ComputeTotp(now.AddSeconds(30 * i))).ToHashSet();
        return Enumerable.Range(0, 100).Select(i => (123456 + (i * 7919)).ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));
    }

    protected static string SharedKey(string html) =>
        SharedKeyPattern().Match(html) is { Success: true } m
            ? m.Groups[1].Value.Replace(" ", "", StringComparison.Ordinal)
            : throw new InvalidOperationException("The page shows no shared key.");

    protected static List<string> RecoveryCodes(string html) =>
        [.. RecoveryCodePattern().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value))];

    /// Signs in and turns on two-factor authentication through /account/mfa; returns the shared key and recovery codes.
    protected async Task<(string Key, List<string> RecoveryCodes)> EnrolAsync(TestUser user)
    {
        using var session = await PortalSession.SignInAsync(App, user.Email, user.Password);
        var key = SharedKey(await session.GetHtmlAsync("/account/mfa"));
        using var enabled = await session.PostFormAsync("/account/mfa", "mfa-enable", new Dictionary<string, string?> { ["Enable.Code"] = CurrentCode(key) });
        enabled.StatusCode.ShouldBe(HttpStatusCode.OK);
        var codes = RecoveryCodes(await enabled.Content.ReadAsStringAsync());
        codes.Count.ShouldBe(10);
        return (key, codes);
    }

    /// Password first; answers the redirect to the two-factor page.
    protected static async Task<string> PasswordStepAsync(PortalSession session, TestUser user)
    {
        using var response = await PostSignInAsync(session, user.Email, user.Password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = LocationOf(response);
        location.ShouldStartWith("/signin/mfa?");
        return location;
    }

    [GeneratedRegex("id=\"shared-key\"[^>]*>([^<]+)<")]
    private static partial Regex SharedKeyPattern();

    [GeneratedRegex("<li><code>([^<]+)</code></li>")]
    private static partial Regex RecoveryCodePattern();
}

public sealed class SqliteAccountTests(SqliteHostFixture fixture) : AccountTests<SqliteHostFixture>(fixture);

public sealed class PostgresAccountTests(PostgresHostFixture fixture) : AccountTests<PostgresHostFixture>(fixture);
