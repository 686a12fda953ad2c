using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// The README's screenshots of the partner portal, taken from the demo data (a Development host).
/// Every run takes them (so the demo pages are checked in a real browser); only with
/// CUSTOS_SCREENSHOTS=1 are they written to docs/screenshots, otherwise to a temporary folder.
public sealed class ScreenshotTests
{
    public const string Variable = "CUSTOS_SCREENSHOTS";

    [Fact]
    public async Task Screenshots_OfTheOrganizationsPages_ShowTheDemoData()
    {
        var toDocs = Environment.GetEnvironmentVariable(Variable) == "1";
        var folder = toDocs
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "custos-screenshots-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);

        var demo = new DemoPortalFixture();
        await demo.InitializeAsync();
        try
        {
            await using var chromium = await Chromium.LaunchAsync();
            await using var context = await chromium.Browser.NewContextAsync(new()
            {
                BaseURL = demo.App.Address.ToString().TrimEnd('/'),
                ViewportSize = new() { Width = 1280, Height = 900 },
                Locale = "en-GB",
                TimezoneId = "UTC",
            });
            var browser = new PortalBrowser(context, await context.NewPageAsync());
            await browser.SignInAsync(DemoPortalFixture.Owner, DemoPortalFixture.Password);

            (await browser.OrganizationRows.CountAsync()).ShouldBe(20);
            var organizations = Path.Combine(folder, "organizations.png");
            await browser.Page.ScreenshotAsync(new() { Path = organizations, FullPage = true });

            await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "New organization" }));
            await browser.ExpectHeadingAsync("New organization");
            var newOrganization = Path.Combine(folder, "new-organization.png");
            await browser.Page.ScreenshotAsync(new() { Path = newOrganization, FullPage = true });

            // An organization's details: the General and Subscriptions tabs of the first listed one.
            await browser.GoAsync("/organizations");
            await browser.FollowAsync(browser.OrganizationRows.First.GetByRole(AriaRole.Link).First);
            var tabs = browser.Page.GetByRole(AriaRole.Navigation, new() { Name = "Organization details" });
            await Expect(tabs.GetByRole(AriaRole.Link, new() { Name = "General" })).ToHaveAttributeAsync("aria-current", "page");
            var general = Path.Combine(folder, "organization-general.png");
            await browser.Page.ScreenshotAsync(new() { Path = general, FullPage = true });

            await browser.FollowAsync(tabs.GetByRole(AriaRole.Link, new() { Name = "Subscriptions" }));
            await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Subscription history" })).ToBeVisibleAsync();
            var subscriptions = Path.Combine(folder, "organization-subscriptions.png");
            await browser.Page.ScreenshotAsync(new() { Path = subscriptions, FullPage = true });

            new FileInfo(organizations).Length.ShouldBeGreaterThan(10_000);
            new FileInfo(newOrganization).Length.ShouldBeGreaterThan(10_000);
            new FileInfo(general).Length.ShouldBeGreaterThan(10_000);
            new FileInfo(subscriptions).Length.ShouldBeGreaterThan(10_000);
        }
        finally
        {
            await demo.DisposeAsync();
            if (!toDocs)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Custos.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Custos.slnx was not found above the test's folder.");
    }
}
