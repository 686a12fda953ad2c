using Custos.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Custos.Web.Tests.Browser;

/// <see cref="PortalWorld"/> on PostgreSQL, plus names that PostgreSQL's LIKE would read as
/// patterns or escapes (backslash is its default escape character).
public sealed class PostgresBrowserFixture() : BrowserFixture(new PostgresHostFixture())
{
    public static readonly string[] Active =
        ["Top Partner Own Customer", "Percent 100% Ltd", "Percent 1000 Ltd", @"Back\slash Corp", "Backslash Corp"];

    public static readonly string[] All = [.. Active, "Gone Customer"];

    protected override async Task SeedAsync(CustosApp app)
    {
        var world = await PortalWorld.SeedAsync(app);
        for (var i = 1; i < Active.Length; i++)
        {
            await BrowserSeed.OrganizationAsync(app, world.Top, world.Backup, Active[i], $"pg{i}@top.test");
        }
    }
}

/// A smoke test of the Organizations page on PostgreSQL (the other browser tests run on SQLite).
public sealed class PostgresBrowserTests(PostgresBrowserFixture fixture) : IClassFixture<PostgresBrowserFixture>
{
    [Fact]
    public async Task OrganizationsPage_OnPostgres_ListsTabsAndSearchesLiterally()
    {
        await using var browser = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        var page = browser.Page;

        (await browser.ListedAsync(PostgresBrowserFixture.All)).ShouldBe(PostgresBrowserFixture.Active, ignoreOrder: true);
        await browser.ExpectTabCountAsync("Active", PostgresBrowserFixture.Active.Length);
        await browser.ExpectTabCountAsync("Deleted", 1);

        foreach (var (search, expected) in new[] { ("100%", "Percent 100% Ltd"), (@"k\s", @"Back\slash Corp"), (@"\", @"Back\slash Corp") })
        {
            await page.GetByLabel("Search by name or Organization ID").FillAsync(search);
            await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }));
            (await browser.ListedAsync(PostgresBrowserFixture.All)).ShouldBe([expected], search);
        }

        await page.GetByLabel("Search by name or Organization ID").FillAsync("");
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }));
        await browser.FollowAsync(browser.Tab("Deleted"));
        (await browser.ListedAsync(PostgresBrowserFixture.All)).ShouldBe(["Gone Customer"]);
    }
}
