using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Custos.Web.Tests.CustomerPortal;

/// The customer portal over plain HTTP: its own cookie, sign-in and lockout, password links,
/// two-factor, the status rules and read-only mode.
public sealed class CustomerPortalTests(SqliteHostFixture fixture) : IClassFixture<SqliteHostFixture>
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task SignIn_SetsItsOwnPortalCookie_AndNeitherSessionOpensTheOtherPortal()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (_, owner) = await world.OrganizationAsync(App);
        using var anonymous = PortalSession.Anonymous(App);

        using var response = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, CustomerWorld.Password));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(response).ShouldBe("/portal");
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("custos.portal=", StringComparison.Ordinal));
        cookie.ShouldContain("path=/portal", Case.Insensitive);
        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=lax", Case.Insensitive);
        Html.Text(await anonymous.GetHtmlAsync("/portal")).ShouldContain(owner);

        // The portal session does not open the partner portal…
        using var partnerPage = await anonymous.GetAsync("/organizations");
        partnerPage.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(partnerPage).ShouldContain("/signin?");
        CustomerWorld.Where(partnerPage).ShouldNotContain("/portal");

        // …and a partner session does not open the customer portal.
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        using var portal = await partner.GetAsync("/portal");
        portal.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(portal).ShouldContain("/portal/signin");
    }

    [Theory]
    [InlineData("nobody@customer.test", CustomerWorld.Password)]
    [InlineData("", CustomerWorld.Password)]
    [InlineData("owner", "wrong-password-123")]
    [InlineData("owner\u0000x", CustomerWorld.Password)]
    public async Task SignIn_WithUnknownEmailOrWrongPassword_SaysTheSameAndSetsNoCookie(string email, string password)
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (_, owner) = await world.OrganizationAsync(App);
        using var anonymous = PortalSession.Anonymous(App);

        using var response = await anonymous.PostFormAsync("/portal/signin", "portal-signin",
            CustomerWorld.SignInForm(email.Replace("owner", owner, StringComparison.Ordinal), password));

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.BadRequest);
        var text = Html.Text(await response.Content.ReadAsStringAsync());
        if (response.StatusCode == HttpStatusCode.OK && email.Length > 0)
        {
            text.ShouldContain("The email or password is not right.");
        }

        response.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("custos.portal=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccountFor15Minutes_EvenAgainstTheRightPassword()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var anonymous = PortalSession.Anonymous(App);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, "Wrong-password-" + i));
            wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var right = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, CustomerWorld.Password));

        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await right.Content.ReadAsStringAsync()).ShouldContain("locked after too many failed sign-ins");
        var account = await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner));
        account.LockedUntil.ShouldNotBeNull();
        (account.LockedUntil!.Value - TimeProvider.System.GetUtcNow()).ShouldBeInRange(TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerLockedOut))).ShouldBe(1);
    }

    [Fact]
    public async Task InvitationLink_SetsThePasswordOnce_ThenTheSameLinkIsRefused()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App, withPassword: false);
        var token = await LinkAsync(id, AccessLinkPurpose.Invitation, TimeSpan.Zero);
        using var anonymous = PortalSession.Anonymous(App);
        var path = $"/portal/set-password?token={Uri.EscapeDataString(token)}";

        Html.Text(await anonymous.GetHtmlAsync(path)).ShouldContain(owner);
        using var set = await anonymous.PostFormAsync(path, "portal-password", PasswordForm(token, "Brand-New-Password-1"));

        set.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await set.Content.ReadAsStringAsync()).ShouldContain("Your password is set");
        set.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("custos.portal=", StringComparison.Ordinal));
        using var again = await anonymous.GetAsync(path);
        again.StatusCode.ShouldBe(HttpStatusCode.Gone);
        Html.Text(await again.Content.ReadAsStringAsync()).ShouldContain("already been used");
        using var replay = await anonymous.PostFormAsync(path, "portal-password", PasswordForm(token, "Another-Password-22"), PortalSession.Token(await (await anonymous.GetAsync("/portal/signin")).Content.ReadAsStringAsync()));
        replay.StatusCode.ShouldBe(HttpStatusCode.Gone);
        using var customer = await CustomerWorld.CustomerAsync(App, owner, "Brand-New-Password-1");
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerPasswordSet))).ShouldBe(1);
    }

    [Theory]
    [InlineData("set-password", AccessLinkPurpose.Invitation, 8 * 24, "expired")]
    [InlineData("reset-password", AccessLinkPurpose.PasswordReset, 2, "expired")]
    [InlineData("reset-password", AccessLinkPurpose.Invitation, 0, "not valid")]
    [InlineData("set-password", AccessLinkPurpose.PasswordReset, 0, "not valid")]
    public async Task ExpiredOrForeignPurposeLinks_AreRefused_AndChangeNothing(string page, AccessLinkPurpose purpose, int hoursOld, string says)
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App, withPassword: false);
        var token = await LinkAsync(id, purpose, TimeSpan.FromHours(hoursOld));
        using var anonymous = PortalSession.Anonymous(App);
        var path = $"/portal/{page}?token={Uri.EscapeDataString(token)}";

        using var opened = await anonymous.GetAsync(path);
        opened.StatusCode.ShouldBe(HttpStatusCode.Gone);
        Html.Text(await opened.Content.ReadAsStringAsync()).ShouldContain(says);
        var antiforgery = PortalSession.Token(await (await anonymous.GetAsync("/portal/signin")).Content.ReadAsStringAsync());
        using var posted = await anonymous.PostFormAsync(path, "portal-password", PasswordForm(token, "Brand-New-Password-1"), antiforgery);
        posted.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner))).PasswordHash.ShouldBeNull();
    }

    [Theory]
    [InlineData("short-1A", "short-1A")]
    [InlineData("alllowercase-password-1", "alllowercase-password-1")]
    [InlineData("Good-Password-123", "Other-Password-123")]
    public async Task SetPassword_BreakingTheRules_Is422_AndKeepsTheLinkUsable(string password, string repeat)
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App, withPassword: false);
        var token = await LinkAsync(id, AccessLinkPurpose.Invitation, TimeSpan.Zero);
        using var anonymous = PortalSession.Anonymous(App);
        var path = $"/portal/set-password?token={Uri.EscapeDataString(token)}";

        using var posted = await anonymous.PostFormAsync(path, "portal-password", PasswordForm(token, password, repeat));

        posted.StatusCode.ShouldBe((HttpStatusCode)422);
        (await anonymous.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ForgotPassword_AnswersTheSame_AndMailsAResetLinkThatWorksOnce()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var anonymous = PortalSession.Anonymous(App);

        using var unknown = await anonymous.PostFormAsync("/portal/forgot-password", "portal-forgot", new Dictionary<string, string?> { ["Input.Email"] = "nobody." + owner });
        using var known = await anonymous.PostFormAsync("/portal/forgot-password", "portal-forgot", new Dictionary<string, string?> { ["Input.Email"] = owner.ToUpperInvariant() });

        var unknownText = Html.Text(await unknown.Content.ReadAsStringAsync());
        unknownText.ShouldContain("a link to choose a new password is on its way");
        Html.Text(await known.Content.ReadAsStringAsync()).ShouldBe(unknownText);
        var mail = await App.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().SingleAsync(m => m.OrganizationId == id && m.Kind == SendPasswordReset.Kind));
        mail.ToAddress.ShouldBe(owner);
        var token = mail.TextBody.Split("reset-password?token=")[1].Split('\n')[0].Trim();
        var path = $"/portal/reset-password?token={token}";
        using var reset = await anonymous.PostFormAsync(path, "portal-password", PasswordForm(Uri.UnescapeDataString(token), "Reset-Password-456"));
        Html.Text(await reset.Content.ReadAsStringAsync()).ShouldContain("Your password is set");
        (await anonymous.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.Gone);
        using var customer = await CustomerWorld.CustomerAsync(App, owner, "Reset-Password-456");
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerPasswordResetRequested))).ShouldBe(1);
    }

    [Fact]
    public async Task NewPassword_EndsTheOtherSessions()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        await CustomerWorld.SetPasswordAsync(App, id, "Changed-Password-789");

        using var next = await customer.GetAsync("/portal");
        next.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(next).ShouldContain("refused=ended");
    }

    [Fact]
    public async Task Suspended_RefusesSignIn_AndEndsTheOpenSessionOnItsNextRequest()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        (await CustomerWorld.LifecycleAsync<SuspendOrganization>(App, id)).Error.ShouldBeNull();

        using var next = await customer.GetAsync("/portal/accounts");
        next.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var location = CustomerWorld.Where(next);
        location.ShouldContain("/portal/signin");
        location.ShouldContain("refused=suspended");
        Html.Text(await customer.GetHtmlAsync(location)).ShouldContain("access is suspended");
        using var anonymous = PortalSession.Anonymous(App);
        using var signIn = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, CustomerWorld.Password));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Text(await signIn.Content.ReadAsStringAsync()).ShouldContain("access is suspended");

        // A wrong password reveals nothing about the status.
        using var wrong = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, "Wrong-Password-000"));
        Html.Text(await wrong.Content.ReadAsStringAsync()).ShouldNotContain("suspended");
    }

    [Fact]
    public async Task Deleted_RefusesSignIn_AndEndsTheOpenSession()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        (await CustomerWorld.LifecycleAsync<DeleteOrganization>(App, id)).Error.ShouldBeNull();

        using var next = await customer.GetAsync("/portal");
        next.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(next).ShouldContain("/portal/signin");
        using var anonymous = PortalSession.Anonymous(App);
        using var signIn = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, CustomerWorld.Password));
        signIn.StatusCode.ShouldBe(HttpStatusCode.OK);
        signIn.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task Unsubscribed_IsReadOnly_WithThePurgeDate_AndForgedPostsAre403()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);
        var settingsToken = await customer.TokenFromAsync("/portal/settings");
        var credentialsToken = await customer.TokenFromAsync("/portal/credentials");

        (await CustomerWorld.LifecycleAsync<UnsubscribeOrganization>(App, id)).Error.ShouldBeNull();

        var purge = (await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == id))).PurgeDueAt!.Value;
        var overview = Html.Text(await customer.GetHtmlAsync("/portal"));
        overview.ShouldContain("read-only");
        overview.ShouldContain(purge.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var settings = await customer.GetHtmlAsync("/portal/settings");
        settings.ShouldNotContain("id=\"first-name\"");
        (await customer.GetHtmlAsync("/portal/credentials")).ShouldNotContain("id=\"imap-host\"");

        using var forgedDetails = await customer.PostFormAsync("/portal/settings", "portal-details",
            new Dictionary<string, string?> { ["Details.FirstName"] = "Mallory", ["Details.LastName"] = "Forged" }, settingsToken);
        forgedDetails.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var forgedImap = await customer.PostFormAsync("/portal/credentials", "connect-imap",
            new Dictionary<string, string?> { ["Imap.Host"] = "127.0.0.1", ["Imap.Port"] = "143", ["Imap.UserName"] = "u", ["Imap.Password"] = "p", ["Imap.Action"] = "connect" }, credentialsToken);
        forgedImap.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner))).FirstName.ShouldBeNull();
    }

    [Fact]
    public async Task AccountSettings_SavesNames_WithAnAuditEntry_AndRefusesPostsWithoutAntiforgery()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        using var forged = await customer.PostFormAsync("/portal/settings", "portal-details",
            new Dictionary<string, string?> { ["Details.FirstName"] = "Mallory", ["Details.LastName"] = "Forged" }, token: null);
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var empty = await customer.PostFormAsync("/portal/settings", "portal-details",
            new Dictionary<string, string?> { ["Details.FirstName"] = " ", ["Details.LastName"] = "Owner" });
        empty.StatusCode.ShouldBe((HttpStatusCode)422);
        Html.Text(await empty.Content.ReadAsStringAsync()).ShouldContain("First name is required.");
        using var saved = await customer.PostFormAsync("/portal/settings", "portal-details",
            new Dictionary<string, string?> { ["Details.FirstName"] = "Olivia", ["Details.LastName"] = "Owner" });

        saved.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var account = await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner));
        (account.FirstName, account.LastName).ShouldBe(("Olivia", "Owner"));
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerDetailsUpdated));
        audit.ActorId.ShouldBe(account.Id.ToString());
        audit.ImpersonatorId.ShouldBeNull();
    }

    [Fact]
    public async Task TransferRequest_FromAccountSettings_GoesThroughTheTransferRules()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var other = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        using var unknown = await customer.PostFormAsync("/portal/settings", "portal-transfer", new Dictionary<string, string?> { ["Transfer.PartnerId"] = "P-NOPE123" });
        using var same = await customer.PostFormAsync("/portal/settings", "portal-transfer", new Dictionary<string, string?> { ["Transfer.PartnerId"] = world.Partner.PublicId.ToLowerInvariant() });
        using var requested = await customer.PostFormAsync("/portal/settings", "portal-transfer", new Dictionary<string, string?> { ["Transfer.PartnerId"] = other.Partner.PublicId });
        using var again = await customer.PostFormAsync("/portal/settings", "portal-transfer", new Dictionary<string, string?> { ["Transfer.PartnerId"] = other.Partner.PublicId });

        unknown.StatusCode.ShouldBe((HttpStatusCode)422);
        Html.Text(await unknown.Content.ReadAsStringAsync()).ShouldContain("No partner has this Partner ID");
        same.StatusCode.ShouldBe((HttpStatusCode)422);
        Html.Text(await same.Content.ReadAsStringAsync()).ShouldContain("current partner");
        CustomerWorld.Where(requested).ShouldBe("/portal/settings?done=transfer");
        (await App.InDatabaseAsync(db => db.Transfers.CountAsync(t => t.OrganizationId == id && t.ToPartnerId == other.Partner.Id))).ShouldBe(1);
        again.StatusCode.ShouldBe((HttpStatusCode)422);
        Html.Text(await again.Content.ReadAsStringAsync()).ShouldContain("already open");
    }

    [Fact]
    public async Task TwoFactor_Enrolment_ThenSignInAsksForTheCode_AndRefusesAWrongOrReusedOne()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);
        var page = await customer.GetHtmlAsync("/portal/security");
        var key = System.Text.RegularExpressions.Regex.Match(page, "id=\"shared-key\"[^>]*>([^<]+)<").Groups[1].Value.Replace(" ", "", StringComparison.Ordinal);
        var totp = new Totp(Base32Encoding.ToBytes(key));
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;

        using var wrong = await customer.PostFormAsync("/portal/security", "portal-two-factor", new Dictionary<string, string?> { ["Mfa.Code"] = "000000" == totp.ComputeTotp(now) ? "111111" : "000000" });
        wrong.StatusCode.ShouldBe((HttpStatusCode)422);
        using var enabled = await customer.PostFormAsync("/portal/security", "portal-two-factor", new Dictionary<string, string?> { ["Mfa.Code"] = totp.ComputeTotp(now) });
        enabled.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Html.Text(await customer.GetHtmlAsync("/portal/security?done=on")).ShouldContain("Two-factor authentication is on");

        using var anonymous = PortalSession.Anonymous(App);
        using var password = await anonymous.PostFormAsync("/portal/signin", "portal-signin", CustomerWorld.SignInForm(owner, CustomerWorld.Password));
        password.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(password).ShouldStartWith("/portal/signin/code");
        (await anonymous.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        using var reused = await anonymous.PostFormAsync("/portal/signin/code", "portal-signin-code", new Dictionary<string, string?> { ["Input.Code"] = totp.ComputeTotp(now) });
        Html.Text(await reused.Content.ReadAsStringAsync()).ShouldContain("already used");
        using var next = await anonymous.PostFormAsync("/portal/signin/code", "portal-signin-code", new Dictionary<string, string?> { ["Input.Code"] = totp.ComputeTotp(now.AddSeconds(30)) });
        next.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(next).ShouldBe("/portal");
        (await anonymous.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerTwoFactorEnabled))).ShouldBe(1);
    }

    [Fact]
    public async Task Backups_ShowAClearEmptyState_ThenACountPerMailbox()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        using var customer = await CustomerWorld.CustomerAsync(App, owner);

        Html.Text(await customer.GetHtmlAsync("/portal/backups")).ShouldContain("No backups yet");
    }

    private static Dictionary<string, string?> PasswordForm(string token, string password, string? repeat = null) => new()
    {
        ["Input.Token"] = token,
        ["Input.Password"] = password,
        ["Input.Repeat"] = repeat ?? password,
    };

    /// A link for the owner's account, issued <paramref name="age"/> ago.
    private Task<string> LinkAsync(Guid organizationId, AccessLinkPurpose purpose, TimeSpan age) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<Custos.Data.AppDbContext>();
            var owner = await db.LoginAccounts.SingleAsync(a => a.OrganizationId == organizationId && a.IsOwner);
            var (link, token) = AccessLink.Issue(owner, purpose, TimeProvider.System.GetUtcNow() - age);
            db.AccessLinks.Add(link);
            await db.SaveChangesAsync();
            return token;
        });
}
