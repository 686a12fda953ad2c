using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Organizations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// The organization details page in Chromium: one organization's life from creation to deletion,
/// each step through the Subscriptions tab and its confirmation ("Yes, continue"); the Features tab's
/// gates as the operator opens them; and what a Read-only user sees and may do.
public sealed class OrganizationDetailsBrowserTests(SqlitePortalWorldBrowserFixture fixture) : IClassFixture<SqlitePortalWorldBrowserFixture>
{
    private PortalWorld World => fixture.World;

    [Fact]
    public async Task Lifecycle_FromCreationToDeletion_ConfirmsEachStepAndRefusesWhatTheRulesForbid()
    {
        await using var browser = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        var page = browser.Page;
        var unique = Guid.NewGuid().ToString("N")[..8];
        var name = $"Lifecycle {unique} GmbH";
        var email = $"lifecycle.{unique}@example.test";

        await CreateAsync(browser, name, email);
        await Expect(browser.Status).ToContainTextAsync($"Organization {name} created.");
        await Expect(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "General" })).ToHaveAttributeAsync("aria-current", "page");
        await Expect(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "Journaling" })).ToHaveCountAsync(0);

        await browser.FollowAsync(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "Subscriptions" }));
        await Expect(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "Subscriptions" })).ToHaveAttributeAsync("aria-current", "page");

        await ConfirmAsync(browser, "Suspend", "Backups stop while it is suspended");
        await Expect(browser.Status).ToHaveTextAsync("The organization was suspended.");
        await Expect(Action(page, "Suspend")).ToHaveCountAsync(0);

        await ConfirmAsync(browser, "Reactivate", "Backups resume");
        await Expect(browser.Status).ToHaveTextAsync("The organization was reactivated.");

        var purge = DateTime.UtcNow.Date.AddDays(45).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await ConfirmAsync(browser, "Unsubscribe", $"download their data until {purge}");
        await Expect(browser.Status).ToContainTextAsync($"its data is purged on {purge}");

        await ConfirmAsync(browser, "Reactivate", "the purge planned for");
        await Expect(browser.Status).ToHaveTextAsync("The organization was reactivated.");

        // Backup → Archiver is an upgrade; the Journaling tab appears.
        await page.GetByLabel("New plan").SelectOptionAsync(World.Archiver.Id.ToString());
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Update subscription" }));
        await Expect(Confirmation(page)).ToContainTextAsync("upgrades it to Archiver");
        await YesAsync(browser);
        await Expect(browser.Status).ToHaveTextAsync($"The plan was changed to {World.Archiver.Name}.");
        await Expect(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "Journaling" })).ToBeVisibleAsync();

        // Archiver → Backup is a downgrade: refused with the reason, nothing to confirm.
        await page.GetByLabel("New plan").SelectOptionAsync(World.Backup.Id.ToString());
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Update subscription" }));
        await Expect(Confirmation(page).GetByRole(AriaRole.Alert)).ToContainTextAsync("cannot move to a Backup plan");
        await Expect(Confirmation(page).GetByRole(AriaRole.Button, new() { Name = "Yes, continue" })).ToHaveCountAsync(0);

        // Seats never below the seats in use (the data plane reports 7 mailboxes).
        await RecordUsageAsync(email, 7);
        await page.GetByLabel("Number of seats").FillAsync("3");
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Change seats" }));
        await YesAsync(browser);
        await Expect(page.GetByLabel("Number of seats")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Number of seats")).ToHaveAccessibleDescriptionAsync(new Regex("^7 seats are in use; choose at least 7\\."));
        await Expect(page.GetByLabel("Number of seats")).ToHaveValueAsync("3");

        // Delete: the exact name is required; then the details are refused and the email is free.
        await browser.FollowAsync(Action(page, "Delete"));
        await Expect(Confirmation(page)).ToContainTextAsync("destroyed at once");
        await page.GetByLabel("Type the organization's name").FillAsync(name.ToLowerInvariant());
        await YesAsync(browser);
        await Expect(page.GetByLabel("Type the organization's name")).ToHaveAccessibleDescriptionAsync(new Regex("exact name"));
        await page.GetByLabel("Type the organization's name").FillAsync(name);
        await YesAsync(browser);
        await browser.ExpectHeadingAsync("This organization is deleted");

        await browser.FollowAsync(page.GetByRole(AriaRole.Link, new() { Name = "Deleted tab" }));
        await Expect(browser.Tab("Deleted")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(browser.OrganizationRows.Filter(new() { HasText = name })).ToHaveCountAsync(1);

        await CreateAsync(browser, $"Second {unique} GmbH", email);
        await Expect(browser.Status).ToContainTextAsync($"Organization Second {unique} GmbH created.");
    }

    [Fact]
    public async Task Features_SalesGatedUntilTheOperatorGrants_WormForcesTheDpoOff()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var partner = await BrowserSeed.PartnerAsync(fixture.App, $"Gating {unique} IT", "DE", World.Backup);
        var owner = $"owner.{unique}@gating.test";
        await BrowserSeed.UserAsync(fixture.App, owner, "Gating Owner", partner.Id, PartnerRole.Owner, PortalWorld.Password);
        var org = await BrowserSeed.OrganizationAsync(fixture.App, partner, World.Backup, $"Gated {unique} GmbH", $"gated.{unique}@example.test");
        var operatorEmail = await OperatorAsync(unique);

        await using var browser = await fixture.SignInAsync(owner, PortalWorld.Password);
        var page = browser.Page;
        (await browser.GoAsync($"/organizations/{org.Id}/features")).ShouldBe(200);
        await Expect(Tabs(page).GetByRole(AriaRole.Link, new() { Name = "Features" })).ToHaveAttributeAsync("aria-current", "page");

        // Locked: the explanation, no button to turn them on.
        foreach (var label in new[] { "WORM storage", "Data Protection Officer" })
        {
            await Expect(Feature(page, label)).ToContainTextAsync("Locked");
            await Expect(Feature(page, label)).ToContainTextAsync($"Ask your provider to enable {label} for your partner account or for this organization.");
            await Expect(TurnOn(page, label)).ToHaveCountAsync(0);
        }

        // Without Microsoft 365 admin credentials the AD group backup cannot be turned on, and says why.
        await Expect(TurnOn(page, "Microsoft 365 AD group backup")).ToBeDisabledAsync();
        await Expect(TurnOn(page, "Microsoft 365 AD group backup")).ToHaveAccessibleDescriptionAsync(
            "Microsoft 365 AD group backup needs a connected Microsoft 365 source with admin credentials; connect one first.");

        // Archiver-only features on a Backup organization: not available (not merely locked).
        await Expect(Feature(page, "Compliance")).ToContainTextAsync("Not available on Backup plans: only Archiver plans have Compliance.");
        await Expect(Feature(page, "Compliance")).Not.ToContainTextAsync("Locked");
        await Expect(TurnOn(page, "Compliance")).ToHaveCountAsync(0);

        // The operator, in a browser of its own, enables both for the organization's partner.
        await using (var op = await fixture.OpenAsync())
        {
            await op.SubmitSignInAsync(operatorEmail, PortalWorld.Password);
            await op.WaitForAddressAsync(url => !new Uri(url).AbsolutePath.StartsWith("/signin", StringComparison.Ordinal));
            (await op.GoAsync("/operator/entitlements")).ShouldBe(200);
            foreach (var label in new[] { "WORM storage", "Data Protection Officer" })
            {
                await op.Page.GetByLabel("Feature", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = label });
                await op.Page.GetByLabel("Partner ID").FillAsync(partner.PublicId);
                await SubmitAsync(op, op.Page.GetByRole(AriaRole.Button, new() { Name = "Enable feature" }));
                await Expect(op.Status).ToHaveTextAsync($"{label} is now enabled for {partner.Name} ({partner.PublicId}).");
            }
        }

        await browser.GoAsync($"/organizations/{org.Id}/features");
        await Expect(Feature(page, "WORM storage")).Not.ToContainTextAsync("Locked");

        await SubmitAsync(browser, TurnOn(page, "Data Protection Officer"));
        await Expect(browser.Status).ToHaveTextAsync("Data Protection Officer is now on.");
        await Expect(State(page, "Data Protection Officer")).ToHaveTextAsync("On");

        await SubmitAsync(browser, TurnOn(page, "WORM storage"));
        await Expect(browser.Status).ToHaveTextAsync("WORM storage is now on. The Data Protection Officer is off and stays off while WORM storage is on.");
        await Expect(State(page, "WORM storage")).ToHaveTextAsync("On");
        await Expect(State(page, "Data Protection Officer")).ToHaveTextAsync("Off");
        await Expect(TurnOn(page, "Data Protection Officer")).ToBeDisabledAsync();
        await Expect(TurnOn(page, "Data Protection Officer")).ToHaveAccessibleDescriptionAsync(
            "The Data Protection Officer cannot be turned on while WORM storage is on.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn off WORM storage" })).ToBeEnabledAsync();

        var saved = await ReloadAsync(org.Id);
        saved.WormEnabled.ShouldBeTrue();
        saved.DpoEnabled.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadOnlyUser_SeesEveryTabWithoutChangeButtons_AndAForgedPostIsRefused()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var org = await BrowserSeed.OrganizationAsync(fixture.App, World.Top, World.Archiver, $"Read Only {unique} AG", $"read.{unique}@example.test");
        await BrowserSeed.SourceAsync(fixture.App, org, SourceKind.Imap, $"imap.{unique}.example", BackupStatus.Healthy);
        await using var browser = await fixture.SignInAsync(PortalWorld.TopReadOnly, PortalWorld.Password);
        var page = browser.Page;
        var main = page.GetByRole(AriaRole.Main);
        var changes = new Regex(
            "^(Edit|Suspend|Reactivate|Unsubscribe|Delete|Update subscription|Change seats|Turn auto license (on|off)|Save limit|Turn (on|off).*|(Re)?[Gg]enerate.*|Create journal address|Review changes|Yes, continue)$");

        var expected = new (string Tab, string Heading, string Shows)[]
        {
            ("General", "Personal info", $"read.{unique}@example.test"),
            ("Login accounts", "Login accounts", $"read.{unique}@example.test"),
            ("Subscriptions", "Subscription history", World.Archiver.Name),
            ("Features", "Features", "Your role lets you see these features but not change them."),
            ("Credentials", "Credentials", $"imap.{unique}.example"),
            ("Journaling", "Journaling", "@journal."),
        };
        (await browser.GoAsync($"/organizations/{org.Id}")).ShouldBe(200);
        foreach (var (tab, heading, shows) in expected)
        {
            await OpenTabAsync(browser, tab);
            await Expect(main.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
            await Expect(main).ToContainTextAsync(shows);

            // Only "Copy" buttons; no link, button or confirmation that would change something.
            var buttons = await main.GetByRole(AriaRole.Button).AllAsync();
            foreach (var button in buttons)
            {
                (await button.GetAttributeAsync("aria-label") ?? "").ShouldStartWith("Copy", customMessage: $"{tab}: {await button.InnerTextAsync()}");
            }

            await Expect(main.GetByRole(AriaRole.Link, new() { NameRegex = changes })).ToHaveCountAsync(0);
            await Expect(main.GetByText(changes)).ToHaveCountAsync(0);
        }

        // A forged toggle, with the page's own antiforgery token and cookie: 403, nothing changes.
        await OpenTabAsync(browser, "Features");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        var version = (await ReloadAsync(org.Id)).Version;
        var forged = await browser.Context.APIRequest.PostAsync($"/organizations/{org.Id}/features", new()
        {
            Form = Form(browser,
                ("_handler", "feature-insights"), ("__RequestVerificationToken", token),
                ("Toggle.Version", version.ToString(CultureInfo.InvariantCulture)), ("Toggle.Enabled", "true")),
            MaxRedirects = 0,
        });
        forged.Status.ShouldBe((int)HttpStatusCode.Forbidden);
        (await forged.TextAsync()).ShouldContain("Your role does not allow changing features.");

        var saved = await ReloadAsync(org.Id);
        saved.InsightsEnabled.ShouldBeFalse();
        saved.Version.ShouldBe(version);
        await browser.GoAsync($"/organizations/{org.Id}/features");
        await Expect(State(page, "Insights")).ToHaveTextAsync("Off");
    }

    private static ILocator Tabs(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Organization details" });

    /// The confirmation step: a region named by its question ("Suspend …?").
    private static ILocator Confirmation(IPage page) => page.GetByRole(AriaRole.Region, new() { NameRegex = new Regex(@"\?$") });

    private static ILocator Action(IPage page, string name) => page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    /// Opens the action's confirmation, checks it states the consequence, and says "Yes, continue".
    private static async Task ConfirmAsync(PortalBrowser browser, string action, string consequence)
    {
        await browser.FollowAsync(Action(browser.Page, action));
        await Expect(Confirmation(browser.Page)).ToContainTextAsync(consequence);
        await YesAsync(browser);
    }

    private static Task YesAsync(PortalBrowser browser) =>
        SubmitAsync(browser, browser.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, continue" }));

    /// Clicks a form's button and waits for the answer (a redirect, or the page again with a message)
    /// to replace the page, which may keep its address.
    private static async Task SubmitAsync(PortalBrowser browser, ILocator button)
    {
        await browser.Page.RunAndWaitForResponseAsync(() => button.ClickAsync(), r => r.Request.IsNavigationRequest && r.Status != 302);
        await browser.Page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    private async Task CreateAsync(PortalBrowser browser, string name, string email)
    {
        var page = browser.Page;
        await browser.GoAsync("/organizations/new");
        await page.GetByLabel("First name").FillAsync("Ada");
        await page.GetByLabel("Last name").FillAsync("Lovelace");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = World.Backup.Name });
        await page.GetByLabel("Organization name").FillAsync(name);
        await page.GetByLabel("Number of seats").FillAsync("10");
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }));
    }

    /// One feature's card on the Features tab, found by its heading.
    private static ILocator Feature(IPage page, string label) =>
        page.GetByRole(AriaRole.List, new() { Name = "Features" }).GetByRole(AriaRole.Listitem)
            .Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = label, Exact = true }) });

    /// The On/Off badge beside a feature's name.
    private static ILocator State(IPage page, string label) =>
        Feature(page, label).GetByText(new Regex("^(On|Off)$"));

    private static ILocator TurnOn(IPage page, string label) =>
        page.GetByRole(AriaRole.Button, new() { Name = $"Turn on {label}", Exact = true });

    private static IFormData Form(PortalBrowser browser, params (string Name, string Value)[] fields)
    {
        var form = browser.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    /// Follows a tab's link unless that tab is already the one shown.
    private static async Task OpenTabAsync(PortalBrowser browser, string tab)
    {
        var link = Tabs(browser.Page).GetByRole(AriaRole.Link, new() { Name = tab, Exact = true });
        if (await link.GetAttributeAsync("aria-current") != "page")
        {
            await browser.FollowAsync(link);
        }

        await Expect(link).ToHaveAttributeAsync("aria-current", "page");
    }

    private Task<Organization> ReloadAsync(Guid id) =>
        fixture.App.InScopeAsync(sp => sp.GetRequiredService<AppDbContext>().Organizations.AsNoTracking().SingleAsync(o => o.Id == id));

    private Task<string> OperatorAsync(string unique) =>
        fixture.App.InScopeAsync(async sp =>
        {
            var email = $"operator.{unique}@example.test";
            var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, PortalWorld.Password)).Succeeded.ShouldBeTrue();
            return email;
        });

    private Task RecordUsageAsync(string email, int seatsInUse) =>
        fixture.App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var org = await db.Organizations.SingleAsync(o => o.OwnerEmail == email && o.Status != Domain.Organizations.OrganizationStatus.Deleted);
            org.RecordUsage(seatsInUse, 0, null);
            await db.SaveChangesAsync();
        });
}
