using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// <see cref="PortalWorld"/> plus organizations of every status, plan type and awkward name under
/// the Top partner; an Administrator of Top in no group yet; and a separate partner with exactly 45
/// organizations for paging.
public sealed class OrganizationsBrowserFixture() : BrowserFixture(new SqliteHostFixture())
{
    public const string AdminEmail = "admin@top.test";
    public const string AdminName = "Ada Admin";
    public const string PagedOwner = "owner@paged.test";
    public const int PagedCount = 45;

    // Searches take these literally; each decoy is what a wildcard or escape reading would also match.
    public const string Percent = "Percent 100% Ltd";
    public const string PercentDecoy = "Percent 1000 Ltd";
    public const string Underscore = "Under_Score GmbH";
    public const string UnderscoreDecoy = "UnderXScore GmbH";
    public const string Quote = "O'Brien & Sons";
    public const string QuoteDecoy = "OBrien Sons";
    public const string Backslash = @"Back\slash Corp";
    public const string BackslashDecoy = "Backslash Corp";
    public const string Emoji = "Rocket 🚀 Labs";
    public const string EmojiDecoy = "Rocket Labs";

    public const string BackupInError = "Alder Backup Co";
    public const string Archiver = "Birch Archive AG";
    public const string Personal = "Cedar Person";
    public const string OfSubPartner = "Dogwood Sub Ltd";
    public const string SuspendedBackup = "Elm Suspended Ltd";
    public const string SuspendedArchiverInError = "Fir Suspended SA";
    public const string Unsubscribed = "Ginkgo Leaving BV";
    public const string Deleted = "Hazel Deleted Oy";

    private PortalWorld? _world;

    public PortalWorld World => _world ?? throw new InvalidOperationException("The world was not seeded.");

    /// Every organization of the Top partner's tree, by status tab.
    public IReadOnlyDictionary<OrganizationStatus, string[]> ByStatus { get; } = new Dictionary<OrganizationStatus, string[]>
    {
        [OrganizationStatus.Active] =
        [
            "Top Partner Own Customer", BackupInError, Archiver, Personal, OfSubPartner,
            Percent, PercentDecoy, Underscore, UnderscoreDecoy, Quote, QuoteDecoy, Backslash, BackslashDecoy, Emoji, EmojiDecoy,
        ],
        [OrganizationStatus.Suspended] = [SuspendedBackup, SuspendedArchiverInError],
        [OrganizationStatus.Unsubscribed] = [Unsubscribed],
        [OrganizationStatus.Deleted] = ["Gone Customer", Deleted],
    };

    public string[] TopTree => [.. ByStatus.Values.SelectMany(n => n)];

    public string[] PagedNames { get; } = [.. Enumerable.Range(1, PagedCount).Select(i => $"Paged Customer {i:00}")];

    public Dictionary<string, Organization> Organizations { get; } = new(StringComparer.Ordinal);

    protected override async Task SeedAsync(CustosApp app)
    {
        var world = _world = await PortalWorld.SeedAsync(app);

        async Task<Organization> Add(string name, Plan plan, Domain.Partners.Partner? partner = null, string first = "Seed", string last = "Owner")
        {
            var email = $"customer{Organizations.Count + 1}@top.test";
            var org = await BrowserSeed.OrganizationAsync(app, partner ?? world.Top, plan, name, email, first, last);
            Organizations[org.Name] = org;
            return org;
        }

        await BrowserSeed.CredentialErrorAsync(app, await Add(BackupInError, world.Backup));
        await Add(Archiver, world.Archiver);
        await Add(Personal, world.Personal, first: "Cedar", last: "Person");
        await Add(OfSubPartner, world.Backup, world.Sub);
        foreach (var name in new[] { Percent, PercentDecoy, Underscore, UnderscoreDecoy, Quote, QuoteDecoy, Backslash, BackslashDecoy, Emoji, EmojiDecoy })
        {
            await Add(name, world.Backup);
        }

        await BrowserSeed.SuspendAsync(app, await Add(SuspendedBackup, world.Backup));
        var fir = await Add(SuspendedArchiverInError, world.Archiver);
        await BrowserSeed.SuspendAsync(app, fir);
        await BrowserSeed.CredentialErrorAsync(app, fir);
        await BrowserSeed.UnsubscribeAsync(app, await Add(Unsubscribed, world.Backup));
        await BrowserSeed.DeleteAsync(app, await Add(Deleted, world.Archiver));

        await BrowserSeed.UserAsync(app, AdminEmail, AdminName, world.Top.Id, PartnerRole.Administrator, PortalWorld.Password);

        var paged = await BrowserSeed.PartnerAsync(app, "Paged Partner", "BE", world.Backup);
        await BrowserSeed.UserAsync(app, PagedOwner, "Pat Pager", paged.Id, PartnerRole.Owner, PortalWorld.Password);
        foreach (var name in PagedNames)
        {
            await BrowserSeed.OrganizationAsync(app, paged, world.Backup, name, name.Replace(' ', '.').ToLowerInvariant() + "@paged.test");
        }
    }
}

/// The Organizations page in Chromium: tabs, filters, search, paging and what each role may see.
public sealed class OrganizationsBrowserTests(OrganizationsBrowserFixture fixture) : IClassFixture<OrganizationsBrowserFixture>
{
    private const string Owner = PortalWorld.TopOwner;
    private const string Password = PortalWorld.Password;

    public static TheoryData<string, string> LiteralSearches => new()
    {
        { "100%", OrganizationsBrowserFixture.Percent },
        { "%", OrganizationsBrowserFixture.Percent },
        { "r_s", OrganizationsBrowserFixture.Underscore },
        { "_", OrganizationsBrowserFixture.Underscore },
        { "o'brien", OrganizationsBrowserFixture.Quote },
        { "'", OrganizationsBrowserFixture.Quote },
        { @"k\s", OrganizationsBrowserFixture.Backslash },
        { @"\", OrganizationsBrowserFixture.Backslash },
        { "🚀", OrganizationsBrowserFixture.Emoji },
        { "ROCKET 🚀", OrganizationsBrowserFixture.Emoji },
    };

    [Fact]
    public async Task Tabs_WhenEachIsClicked_MarkItCurrentAndListItsOrganizations()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var tabNames = new[] { "Active", "Suspended", "Unsubscribed", "Deleted" };

        await Expect(browser.Tab("Active")).ToHaveAttributeAsync("aria-current", "page");
        foreach (var status in new[] { OrganizationStatus.Suspended, OrganizationStatus.Unsubscribed, OrganizationStatus.Deleted, OrganizationStatus.Active })
        {
            var name = status.ToString();
            var expected = fixture.ByStatus[status];

            await browser.FollowAsync(browser.Tab(name));

            await Expect(browser.Tab(name)).ToHaveAttributeAsync("aria-current", "page");
            foreach (var other in tabNames.Where(t => t != name))
            {
                await Expect(browser.Tab(other)).Not.ToHaveAttributeAsync("aria-current", "page");
            }

            await browser.ExpectTabCountAsync(name, expected.Length);
            (await browser.ListedAsync(fixture.TopTree)).ShouldBe(expected, ignoreOrder: true, name);
        }
    }

    [Fact]
    public async Task Tabs_OfNonActiveStatuses_ShowTheirStatusFact()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);

        await browser.FollowAsync(browser.Tab("Unsubscribed"));
        await Expect(browser.OrganizationRows.Filter(new() { HasText = OrganizationsBrowserFixture.Unsubscribed }))
            .ToContainTextAsync(new Regex(@"Purge on \d{4}-\d{2}-\d{2}"));

        await browser.FollowAsync(browser.Tab("Deleted"));
        var deleted = browser.OrganizationRows.Filter(new() { HasText = OrganizationsBrowserFixture.Deleted });
        await Expect(deleted).ToContainTextAsync(new Regex(@"Deleted on \d{4}-\d{2}-\d{2}"));

        // A deleted organization's details cannot be opened, so its name is not a link.
        await Expect(deleted.GetByRole(AriaRole.Link, new() { Name = OrganizationsBrowserFixture.Deleted })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task PlanFilter_WhenChosen_ListsOnlyThatPlanTypeAndKeepsItInTheAddress()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var page = browser.Page;

        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Archiver" });
        await browser.WaitForQueryAsync("/organizations", ("plan", "archiver"));
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.Archiver]);

        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Personal" });
        await browser.WaitForQueryAsync("/organizations", ("plan", "personal"));
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.Personal]);

        // The filter survives a change of tab and a reload.
        await browser.FollowAsync(browser.Tab("Suspended"));
        await browser.WaitForQueryAsync("/organizations", ("status", "suspended"), ("plan", "personal"));
        await Expect(page.GetByText("No suspended organizations match these filters.")).ToBeVisibleAsync();
        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Archiver" });
        await browser.WaitForQueryAsync("/organizations", ("status", "suspended"), ("plan", "archiver"));
        // Reload only once the new page is in place (its row is shown): a reload during the
        // navigation has no page to act on.
        await Expect(page.GetByText(OrganizationsBrowserFixture.SuspendedArchiverInError, new() { Exact = true }).First).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Plan", new() { Exact = true })).ToHaveValueAsync("archiver");
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.SuspendedArchiverInError]);

        await page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "All" });
        await browser.WaitForQueryAsync("/organizations", ("status", "suspended"));
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe(fixture.ByStatus[OrganizationStatus.Suspended], ignoreOrder: true);
    }

    [Fact]
    public async Task CredentialFilter_NeedAuthentication_ListsOnlyOrganizationsWithACredentialInError()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var page = browser.Page;
        (await browser.ListedAsync(fixture.TopTree)).Count.ShouldBe(fixture.ByStatus[OrganizationStatus.Active].Length);

        await page.GetByLabel("Credentials", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Need authentication" });
        await browser.WaitForQueryAsync("/organizations", ("credential", "need-authentication"));

        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.BackupInError]);
        await Expect(browser.OrganizationRows.First).ToContainTextAsync("Needs authentication");

        await browser.FollowAsync(browser.Tab("Suspended"));
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.SuspendedArchiverInError]);
        await Expect(page.GetByLabel("Credentials", new() { Exact = true })).ToHaveValueAsync("need-authentication");

        // Its row offers the way to the credential page.
        await page.GetByText("Actions for " + OrganizationsBrowserFixture.SuspendedArchiverInError).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Go to credential page" })).ToHaveAttributeAsync(
            "href", $"/organizations/{fixture.Organizations[OrganizationsBrowserFixture.SuspendedArchiverInError].Id}/credentials");
    }

    [Theory]
    [MemberData(nameof(LiteralSearches))]
    public async Task Search_WithSpecialCharacters_TakesThemLiterally(string search, string expected)
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var page = browser.Page;

        await page.GetByLabel("Search by name or Organization ID").FillAsync(search);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await browser.WaitForQueryAsync("/organizations", ("q", search));

        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([expected]);
        await browser.ExpectTabCountAsync("Active", 1);

        // The search lives in the address: a reload shows the same.
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Search by name or Organization ID")).ToHaveValueAsync(search);
        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([expected]);
    }

    [Fact]
    public async Task Search_ByOrganizationId_FindsThatOrganization()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var birch = fixture.Organizations[OrganizationsBrowserFixture.Archiver];

        await browser.Page.GetByLabel("Search by name or Organization ID").FillAsync(birch.PublicId.ToLowerInvariant());
        await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }));

        (await browser.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.Archiver]);
        await Expect(browser.OrganizationRows.First).ToContainTextAsync(birch.PublicId);
    }

    [Fact]
    public async Task Search_MatchingNothing_SaysSoWithTheTextAsTyped()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        const string search = @"<b>100%_'\ 🚀</b>";

        await browser.Page.GetByLabel("Search by name or Organization ID").FillAsync(search);
        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();

        await Expect(browser.Page.GetByRole(AriaRole.Status)).ToContainTextAsync($"No organizations match “{search}”.");
        await Expect(browser.OrganizationsTable).ToHaveCountAsync(0);
        await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "Clear search" }));
        (await browser.ListedAsync(fixture.TopTree)).Count.ShouldBe(fixture.ByStatus[OrganizationStatus.Active].Length);
    }

    [Fact]
    public async Task Paging_Over45Organizations_WalksNextToTheEndAndPreviousBack()
    {
        await using var browser = await fixture.SignInAsync(OrganizationsBrowserFixture.PagedOwner, Password);
        var next = browser.Page.GetByRole(AriaRole.Link, new() { Name = "Next", Exact = true });
        var previous = browser.Page.GetByRole(AriaRole.Link, new() { Name = "Previous", Exact = true });
        await browser.ExpectTabCountAsync("Active", OrganizationsBrowserFixture.PagedCount);

        var forward = new List<IReadOnlyList<string>> { await browser.ListedAsync(fixture.PagedNames) };
        await Expect(previous).ToHaveCountAsync(0);
        while (await next.CountAsync() > 0)
        {
            forward.Count.ShouldBeLessThan(5, "paging should end");
            await browser.FollowAsync(next);
            forward.Add(await browser.ListedAsync(fixture.PagedNames));
        }

        var backward = new List<IReadOnlyList<string>>();
        for (var i = forward.Count - 2; i >= 0; i--)
        {
            await browser.FollowAsync(previous);
            backward.Add(await browser.ListedAsync(fixture.PagedNames));
        }

        forward.Select(p => p.Count).ShouldBe([20, 20, 5]);
        var all = forward.SelectMany(p => p).ToList();
        all.Distinct().Count().ShouldBe(OrganizationsBrowserFixture.PagedCount);
        all.ShouldBe(fixture.PagedNames);
        backward.Count.ShouldBe(2);
        backward[0].ShouldBe(forward[1]);
        backward[1].ShouldBe(forward[0]);
        await Expect(previous).ToHaveCountAsync(0);
        await Expect(next).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoNewOrganizationButtonNorChangeButtons()
    {
        await using var owner = await fixture.SignInAsync(Owner, Password);
        await using var reader = await fixture.SignInAsync(PortalWorld.TopReadOnly, Password);
        var row = OrganizationsBrowserFixture.BackupInError;

        // What the owner has, the Read-only user lacks; both see the same organizations.
        await Expect(owner.Page.GetByRole(AriaRole.Link, new() { Name = "New organization" })).ToBeVisibleAsync();
        await owner.Page.GetByText("Actions for " + row).ClickAsync();
        await Expect(owner.Page.GetByRole(AriaRole.Link, new() { Name = "Send reset password" })).ToBeVisibleAsync();
        await Expect(owner.Page.GetByRole(AriaRole.Button, new() { Name = "Log in as client" })).ToBeVisibleAsync();

        (await reader.ListedAsync(fixture.TopTree)).ShouldBe(await owner.ListedAsync(fixture.TopTree));
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = "New organization" })).ToHaveCountAsync(0);
        await Expect(reader.Page.GetByRole(AriaRole.Button, new() { Name = "New organization" })).ToHaveCountAsync(0);
        await reader.Page.GetByText("Actions for " + row).ClickAsync();
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = "View details" })).ToBeVisibleAsync();
        await Expect(reader.Page.GetByRole(AriaRole.Link, new() { Name = "Go to credential page" })).ToBeVisibleAsync();
        await Expect(reader.Page.GetByText("Send reset password")).ToHaveCountAsync(0);
        await Expect(reader.Page.GetByRole(AriaRole.Button, new() { Name = "Log in as client" })).ToHaveCountAsync(0);

        // The details page has nothing to change either, and the New organization address is refused.
        await reader.Page.GetByRole(AriaRole.Link, new() { Name = "View details" }).ClickAsync();
        await reader.ExpectHeadingAsync(row);
        await Expect(reader.Page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        (await reader.GoAsync("/organizations/new")).ShouldBe(403);
        await reader.ExpectHeadingAsync("Not allowed");
        await Expect(reader.Page.GetByRole(AriaRole.Button, new() { Name = "Create organization" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ForeignOrganization_Address_ShowsTheNotFoundPage()
    {
        await using var browser = await fixture.SignInAsync(Owner, Password);
        var own = fixture.Organizations[OrganizationsBrowserFixture.OfSubPartner];

        (await browser.GoAsync($"/organizations/{own.Id}")).ShouldBe(200);
        await browser.ExpectHeadingAsync(own.Name);

        (await browser.GoAsync($"/organizations/{fixture.World.OtherOrganization.Id}")).ShouldBe(404);
        await browser.ExpectHeadingAsync("Not found");
        await Expect(browser.Page.GetByText(fixture.World.OtherOrganization.Name)).ToHaveCountAsync(0);

        (await browser.GoAsync($"/organizations/{Guid.NewGuid()}")).ShouldBe(404);
        await browser.ExpectHeadingAsync("Not found");
    }

    [Fact]
    public async Task Administrator_SeesOnlyTheOrganizationsOfItsGroups()
    {
        var inGroup = new[] { OrganizationsBrowserFixture.Archiver, OrganizationsBrowserFixture.SuspendedBackup };
        await using (var admin = await fixture.SignInAsync(OrganizationsBrowserFixture.AdminEmail, Password))
        {
            (await admin.ListedAsync(fixture.TopTree)).ShouldBeEmpty("an Administrator in no group sees no organization");
        }

        // The owner makes a group of two organizations with the Administrator in it, on the Groups pages.
        await using (var owner = await fixture.SignInAsync(Owner, Password))
        {
            var page = owner.Page;
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Partner portal" }).GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Groups", Exact = true }).ClickAsync();
            await page.GetByLabel("Group name").FillAsync("Browser admins");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
            await Expect(owner.Status).ToContainTextAsync("Group Browser admins created.");
            await page.GetByRole(AriaRole.Link, new() { Name = "Browser admins", Exact = true }).ClickAsync();
            await owner.ExpectHeadingAsync("Group Browser admins");

            await page.GetByLabel(OrganizationsBrowserFixture.AdminName).CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Save members" }).ClickAsync();
            await Expect(owner.Status).ToContainTextAsync("Members saved: 1 added, 0 removed.");

            foreach (var name in inGroup)
            {
                await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search organizations" }).FillAsync(name);
                await owner.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }));
                await page.GetByLabel(name).CheckAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Save organizations" }).ClickAsync();
                await Expect(owner.Status).ToContainTextAsync("Organizations saved: 1 added, 0 removed.");
            }
        }

        await using var administrator = await fixture.SignInAsync(OrganizationsBrowserFixture.AdminEmail, Password);
        (await administrator.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.Archiver]);
        await administrator.FollowAsync(administrator.Tab("Suspended"));
        (await administrator.ListedAsync(fixture.TopTree)).ShouldBe([OrganizationsBrowserFixture.SuspendedBackup]);

        // Outside its groups, an organization of its own partner is as unknown as a foreign one.
        (await administrator.GoAsync($"/organizations/{fixture.Organizations[OrganizationsBrowserFixture.BackupInError].Id}")).ShouldBe(404);
        await administrator.ExpectHeadingAsync("Not found");
        (await administrator.GoAsync($"/organizations/{fixture.Organizations[OrganizationsBrowserFixture.Archiver].Id}")).ShouldBe(200);
        await administrator.ExpectHeadingAsync(OrganizationsBrowserFixture.Archiver);
    }
}
