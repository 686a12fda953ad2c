using System.Globalization;
using System.Text.RegularExpressions;
using Custos.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// The organization details page in Chromium: one organization's life from creation to deletion,
/// each step through the Subscriptions tab and its confirmation ("Yes, continue").
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

    private static async Task YesAsync(PortalBrowser browser)
    {
        // The form posts and the answer (a redirect, or the page again with a message) replaces the page.
        var yes = browser.Page.GetByRole(AriaRole.Button, new() { Name = "Yes, continue" });
        await browser.Page.RunAndWaitForResponseAsync(() => yes.ClickAsync(), r => r.Request.IsNavigationRequest && r.Status != 302);
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

    private Task RecordUsageAsync(string email, int seatsInUse) =>
        fixture.App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var org = await db.Organizations.SingleAsync(o => o.OwnerEmail == email && o.Status != Domain.Organizations.OrganizationStatus.Deleted);
            org.RecordUsage(seatsInUse, 0, null);
            await db.SaveChangesAsync();
        });
}
