using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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

            // An organization's details: every tab. General, Login accounts, Subscriptions and Features
            // of the first listed organization; Credentials and Journaling of an Archiver one whose
            // sources include one in error.
            var shots = new List<string>();
            await browser.GoAsync("/organizations");
            await browser.FollowAsync(browser.OrganizationRows.First.GetByRole(AriaRole.Link).First);
            await Expect(Tab(browser, "General")).ToHaveAttributeAsync("aria-current", "page");
            shots.Add(await ShootAsync(browser, folder, "organization-general.png"));

            await OpenTabAsync(browser, "Login accounts", "Login accounts");
            shots.Add(await ShootAsync(browser, folder, "organization-login-accounts.png"));

            await OpenTabAsync(browser, "Subscriptions", "Subscription history");
            shots.Add(await ShootAsync(browser, folder, "organization-subscriptions.png"));

            await OpenTabAsync(browser, "Features", "Features");
            shots.Add(await ShootAsync(browser, folder, "organization-features.png"));

            var archiver = await ArchiverWithErrorAsync(demo);
            await browser.GoAsync($"/organizations/{archiver}");
            await OpenTabAsync(browser, "Credentials", "Credentials");
            var sources = browser.Page.GetByRole(AriaRole.Table, new() { Name = "Connected sources" });
            await Expect(sources.GetByRole(AriaRole.Row).Filter(new() { Has = browser.Page.GetByRole(AriaRole.Cell) })).ToHaveCountAsync(3);
            await Expect(browser.Page.GetByRole(AriaRole.Main)).ToContainTextAsync("Re-enter the IMAP password");
            shots.Add(await ShootAsync(browser, folder, "organization-credentials.png"));

            await OpenTabAsync(browser, "Journaling", "Journaling");
            await Expect(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Copy journal address" })).ToBeVisibleAsync();
            shots.Add(await ShootAsync(browser, folder, "organization-journaling.png"));

            new FileInfo(organizations).Length.ShouldBeGreaterThan(10_000);
            new FileInfo(newOrganization).Length.ShouldBeGreaterThan(10_000);
            foreach (var shot in shots)
            {
                new FileInfo(shot).Length.ShouldBeGreaterThan(10_000, shot);
            }
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

    private static ILocator Tab(PortalBrowser browser, string name) =>
        browser.Page.GetByRole(AriaRole.Navigation, new() { Name = "Organization details" })
            .GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    private static async Task OpenTabAsync(PortalBrowser browser, string name, string heading)
    {
        await browser.FollowAsync(Tab(browser, name));
        await Expect(Tab(browser, name)).ToHaveAttributeAsync("aria-current", "page");
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
    }

    private static async Task<string> ShootAsync(PortalBrowser browser, string folder, string name)
    {
        var path = Path.Combine(folder, name);
        await browser.Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    /// The first (by name) Archiver organization, not deleted, with an IMAP source in error; so that
    /// its Credentials tab shows more than one source, it also gets a Microsoft 365 tenant.
    private static Task<Guid> ArchiverWithErrorAsync(DemoPortalFixture demo) =>
        demo.App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var org = await db.Organizations.AsNoTracking()
                .Where(o => o.PlanType == PlanType.Archiver && o.Status != OrganizationStatus.Deleted
                    && db.CredentialSources.Any(s => s.OrganizationId == o.Id && s.Status == BackupStatus.Error))
                .OrderBy(o => o.Name)
                .FirstAsync();
            var domain = org.OwnerEmail[(org.OwnerEmail.IndexOf('@', StringComparison.Ordinal) + 1)..];
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var m365 = new SourceState(4, BackupStatus.Healthy, now.AddHours(-2), null, HasAdminCredentials: true);
            var google = new SourceState(2, BackupStatus.Warning, now.AddHours(-3), null);
            var recorder = sp.GetRequiredService<RecordSourceState>();
            var actor = new Actor("screenshots", "Screenshots");
            (await recorder.HandleAsync(new RecordSourceStateRequest(Scope.Everything, actor, org.Id, SourceKind.Microsoft365, domain, m365), CancellationToken.None)).Error.ShouldBeNull();
            (await recorder.HandleAsync(new RecordSourceStateRequest(Scope.Everything, actor, org.Id, SourceKind.GoogleWorkspace, domain, google), CancellationToken.None)).Error.ShouldBeNull();
            return org.Id;
        });

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
