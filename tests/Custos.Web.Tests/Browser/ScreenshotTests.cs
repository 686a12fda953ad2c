using Microsoft.Playwright;

namespace Custos.Web.Tests.Browser;

/// Runs only with CUSTOS_SCREENSHOTS=1, so ordinary test runs never rewrite the screenshots in docs/.
public sealed class ScreenshotFactAttribute : FactAttribute
{
    public const string Variable = "CUSTOS_SCREENSHOTS";

    public ScreenshotFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Set {Variable}=1 to rewrite docs/screenshots.";
        }
    }
}

/// The README's screenshots of the partner portal, taken from the demo data (a Development host).
public sealed class ScreenshotTests
{
    [ScreenshotFact]
    public async Task Screenshots_OfTheOrganizationsPages_AreWrittenToDocs()
    {
        var folder = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(folder);

        // Started here rather than as a class fixture, so a normal run (test skipped) starts nothing.
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

            new FileInfo(organizations).Length.ShouldBeGreaterThan(10_000);
            new FileInfo(newOrganization).Length.ShouldBeGreaterThan(10_000);
        }
        finally
        {
            await demo.DisposeAsync();
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
