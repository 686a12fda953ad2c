using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Web.Tests.CustomerPortal;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// SQLite host whose mail goes over SMTP to a receiver the tests read.
public sealed class SmtpSqliteHostFixture : HostFixture
{
    private SmtpReceiver? _smtp;

    public SmtpReceiver Smtp => _smtp ?? throw new InvalidOperationException("The SMTP receiver did not start.");

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override async Task<CustosAppOptions> PrepareAsync(string dataPath)
    {
        _smtp = await SmtpReceiver.StartAsync();
        return new CustosAppOptions(dataPath).WithSmtp(_smtp);
    }

    protected override async Task CleanUpAsync()
    {
        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }
    }
}

public sealed class CustomerPortalBrowserFixture : BrowserFixture
{
    private readonly SmtpSqliteHostFixture _host;
    private CustomerWorld? _world;

    public CustomerPortalBrowserFixture()
        : this(new SmtpSqliteHostFixture())
    {
    }

    private CustomerPortalBrowserFixture(SmtpSqliteHostFixture host)
        : base(host) => _host = host;

    public SmtpReceiver Smtp => _host.Smtp;

    public CustomerWorld World => _world ?? throw new InvalidOperationException("Not seeded.");

    protected override async Task SeedAsync(CustosApp app) => _world = await CustomerWorld.CreateAsync(app);
}

/// The customer portal in Chromium: the invitation from a real mail, a suspended organization, and
/// "log in as client" with its banner and way back.
public sealed class CustomerPortalBrowserTests(CustomerPortalBrowserFixture fixture) : IClassFixture<CustomerPortalBrowserFixture>
{
    private CustosApp App => fixture.App;

    private static async Task SignInToPortalAsync(PortalBrowser browser, string email, string password)
    {
        await browser.GoAsync("/portal/signin");
        await browser.Page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await browser.Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    [Fact]
    public async Task InvitationMail_LeadsToSetPassword_ThenSignIn_OpensTheOverview()
    {
        var (id, owner) = await fixture.World.OrganizationAsync(App, name: "Invited Bakery " + Guid.NewGuid().ToString("N")[..6], withPassword: false);
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var account = await db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner);
            var sent = await sp.GetRequiredService<SendOwnerInvitation>().HandleAsync(
                new OrganizationCommand(Scope.Everything, new Actor("tests", "Browser tests"), id), account.Id, default);
            sent.Error.ShouldBeNull();
        });
        var mail = await Eventually.Async(
            () => Task.FromResult(fixture.Smtp.Messages.FirstOrDefault(m => m.Recipients.Contains(owner, StringComparer.OrdinalIgnoreCase))),
            m => m is not null, "the invitation to arrive");
        var link = System.Text.RegularExpressions.Regex.Match(mail!.Message.TextBody ?? "", @"https?://\S+/portal/set-password\?token=\S+").Value;
        link.ShouldStartWith(App.Address.ToString().TrimEnd('/'));
        await using var browser = await fixture.OpenAsync();

        (await browser.GoAsync(link)).ShouldBe(200);
        await browser.ExpectHeadingAsync("Choose your password");
        await browser.Page.GetByLabel("New password").FillAsync("Invited-Password-77");
        await browser.Page.GetByLabel("Repeat the password").FillAsync("Invited-Password-77");
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(browser.Status).ToContainTextAsync("Your password is set");
        await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true }));
        await SignInToPortalAsync(browser, owner, "Invited-Password-77");

        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Invited Bakery");
        await Expect(browser.Page.GetByRole(AriaRole.Navigation, new() { Name = "Customer portal" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TransferRequest_WhenTheDistributorRevokedTransfers_IsRefusedWithAMessageAndNothingSaved()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var target = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App);
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var partner = await db.Partners.SingleAsync(p => p.Id == world.Partner.Id);
            partner.SetMayTransfer(false);
            await db.SaveChangesAsync();
        });
        await using var browser = await fixture.OpenAsync();
        await SignInToPortalAsync(browser, owner, CustomerWorld.Password);
        await Expect(browser.Page.GetByRole(AriaRole.Navigation, new() { Name = "Customer portal" })).ToBeVisibleAsync();

        (await browser.GoAsync("/portal/settings")).ShouldBe(200);
        await browser.Page.GetByLabel("Partner ID", new() { Exact = true }).FillAsync(target.Partner.PublicId);
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Request transfer", Exact = true }).ClickAsync();

        await Expect(browser.Page.GetByText("Please contact your partner's distributor or Custos support.").First).ToBeVisibleAsync();
        (await App.InDatabaseAsync(db => db.Transfers.CountAsync(t => t.OrganizationId == id))).ShouldBe(0);
    }

    [Fact]
    public async Task SuspendedOrganization_UserCannotSignIn()
    {
        var (id, owner) = await fixture.World.OrganizationAsync(App);
        (await CustomerWorld.LifecycleAsync<SuspendOrganization>(App, id)).Error.ShouldBeNull();
        await using var browser = await fixture.OpenAsync();

        await SignInToPortalAsync(browser, owner, CustomerWorld.Password);

        await Expect(browser.Alert).ToContainTextAsync("access is suspended");
        browser.Page.Url.ShouldEndWith("/portal/signin");
        (await browser.GoAsync("/portal")).ShouldBe(200);
        await browser.ExpectHeadingAsync("Sign in to your backups");
    }

    [Fact]
    public async Task LogInAsClient_ShowsTheBanner_RecordsBothIdentities_AndReturnsToThePartnerPortal()
    {
        var name = "Client Florist " + Guid.NewGuid().ToString("N")[..6];
        var (id, owner) = await fixture.World.OrganizationAsync(App, name: name);
        await using var browser = await fixture.SignInAsync(fixture.World.GroupedOwner, CustomerWorld.Password);
        await browser.GoAsync($"/organizations/{id}");

        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Log in as client" }).ClickAsync();

        var banner = browser.Page.GetByRole(AriaRole.Status, new() { Name = "Client session" });
        await Expect(banner).ToContainTextAsync(fixture.World.GroupedOwnerName);
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(name);
        await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "Account settings" }));
        await Expect(banner).ToBeVisibleAsync();
        await browser.Page.GetByLabel("First name").FillAsync("Florence");
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(browser.Status.Filter(new() { HasText = "saved" })).ToBeVisibleAsync();
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.OrganizationId == id && (a.EventType == AuditEventType.PartnerSignedInAsClient || a.EventType == AuditEventType.CustomerDetailsUpdated))
            .ToListAsync());
        audit.Count.ShouldBe(2);
        audit.ShouldAllBe(a => a.ActorName.Contains(owner) && a.ImpersonatorName!.Contains(fixture.World.GroupedOwner));

        await banner.GetByRole(AriaRole.Button, new() { Name = "Return to partner portal" }).ClickAsync();

        await browser.Page.WaitForURLAsync(url => url.EndsWith($"/organizations/{id}", StringComparison.Ordinal));
        await browser.ExpectHeadingAsync(name);
        (await browser.GoAsync("/portal")).ShouldBe(200);
        await browser.ExpectHeadingAsync("Sign in to your backups");
    }
}
