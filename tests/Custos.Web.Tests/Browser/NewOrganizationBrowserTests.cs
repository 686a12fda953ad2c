using System.Text.RegularExpressions;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// A host with <see cref="PortalWorld"/> seeded, and a browser.
public class PortalWorldBrowserFixture(HostFixture host) : BrowserFixture(host)
{
    private PortalWorld? _world;

    public PortalWorld World => _world ?? throw new InvalidOperationException("The world was not seeded.");

    protected override async Task SeedAsync(CustosApp app) => _world = await PortalWorld.SeedAsync(app);
}

public sealed class SqlitePortalWorldBrowserFixture() : PortalWorldBrowserFixture(new SqliteHostFixture());

/// New organization (/organizations/new) in Chromium, with its script: the fields follow the
/// chosen partner and plan, and the server refuses what breaks a rule with a message at the field.
public sealed class NewOrganizationBrowserTests(SqlitePortalWorldBrowserFixture fixture) : IClassFixture<SqlitePortalWorldBrowserFixture>
{
    private const string FixFields = "The organization was not created. Fix the highlighted fields.";

    private PortalWorld World => fixture.World;

    public static TheoryData<PlanKind, bool> PlanKinds => new()
    {
        { PlanKind.Personal, false },
        { PlanKind.Backup, false },
        { PlanKind.Backup, true },
        { PlanKind.Archiver, false },
        { PlanKind.Archiver, true },
    };

    [Fact]
    public async Task Fields_FollowThePlanTypeAutoLicenseAndPartner()
    {
        await using var browser = await OpenFormAsync();
        var page = browser.Page;
        var organizationName = page.GetByLabel("Organization name");
        var autoLicense = page.GetByLabel("Auto license");
        var seats = page.GetByLabel("Number of seats");
        var sendSignIn = page.GetByLabel("Send sign in");

        // The acting partner and its country are chosen; before a plan is chosen every field shows.
        await Expect(page.GetByLabel("Partner", new() { Exact = true })).ToHaveValueAsync(World.Top.Id.ToString());
        await Expect(page.GetByLabel("Country")).ToHaveValueAsync("DE");
        await Expect(organizationName).ToBeVisibleAsync();
        await Expect(seats).ToBeVisibleAsync();
        await Expect(sendSignIn).ToBeCheckedAsync();

        await ChoosePlanAsync(page, World.Personal);
        await Expect(organizationName).ToBeHiddenAsync();
        await Expect(autoLicense).ToBeHiddenAsync();
        await Expect(seats).ToBeHiddenAsync();
        await Expect(page.GetByText("Personal plan, ")).ToBeVisibleAsync();

        await ChoosePlanAsync(page, World.Backup);
        await Expect(organizationName).ToBeVisibleAsync();
        await Expect(autoLicense).ToBeVisibleAsync();
        await Expect(autoLicense).Not.ToBeCheckedAsync();
        await Expect(seats).ToBeVisibleAsync();

        await autoLicense.CheckAsync();
        await Expect(seats).ToBeHiddenAsync();
        await ChoosePlanAsync(page, World.Archiver);
        await Expect(organizationName).ToBeVisibleAsync();
        await Expect(seats).ToBeHiddenAsync();
        await autoLicense.UncheckAsync();
        await Expect(seats).ToBeVisibleAsync();

        // A partner below: its own plans only, its country, and no "Send sign in" when it turned that off.
        await page.GetByLabel("Partner", new() { Exact = true }).SelectOptionAsync(World.Quiet.Id.ToString());
        await Expect(page.GetByLabel("Country")).ToHaveValueAsync("CH");
        await Expect(page.GetByLabel("Plan", new() { Exact = true }).GetByRole(AriaRole.Option)).ToHaveTextAsync(["Choose a plan", World.Backup.Name]);
        await Expect(page.GetByLabel("Plan", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(sendSignIn).ToBeHiddenAsync();
    }

    [Theory]
    [MemberData(nameof(PlanKinds))]
    public async Task Create_OnEachPlanType_SavesItAndOpensItsPage(PlanKind kind, bool autoLicense)
    {
        await using var browser = await OpenFormAsync();
        var page = browser.Page;
        var unique = Unique();
        var plan = PlanOf(kind);
        var expectedName = kind == PlanKind.Personal ? $"Grace Hopper{unique}" : $"Compilers {unique} Ltd";

        await page.GetByLabel("First name").FillAsync("Grace");
        await page.GetByLabel("Last name").FillAsync("Hopper" + unique);
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync($"grace.{unique}@example.test");
        await page.GetByLabel("Country").SelectOptionAsync(new SelectOptionValue { Label = "Portugal" });
        await ChoosePlanAsync(page, plan);
        if (kind != PlanKind.Personal)
        {
            await page.GetByLabel("Organization name").FillAsync(expectedName);
            if (autoLicense)
            {
                await page.GetByLabel("Auto license").CheckAsync();
            }
            else
            {
                await page.GetByLabel("Number of seats").FillAsync("25");
            }
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();

        await Expect(browser.Status).ToHaveTextAsync($"Organization {expectedName} created.");
        await browser.ExpectHeadingAsync(expectedName);
        var saved = await fixture.App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.OwnerEmail == $"grace.{unique}@example.test"));
        page.Url.ShouldEndWith($"/organizations/{saved.Id}?created=1");
        saved.Name.ShouldBe(expectedName);
        saved.PlanId.ShouldBe(plan.Id);
        saved.PartnerId.ShouldBe(World.Top.Id);
        saved.Country.ShouldBe("PT");
        saved.Status.ShouldBe(OrganizationStatus.Active);
        saved.AutoLicense.ShouldBe(autoLicense);
        saved.Seats.ShouldBe(kind == PlanKind.Personal || autoLicense ? null : 25);
        // The header and the personal info both show the Organization ID.
        await Expect(page.GetByText(saved.PublicId).First).ToBeVisibleAsync();
        await Expect(page.GetByText(plan.Name)).ToBeVisibleAsync();

        // Back on the list, the new organization is there.
        await browser.FollowAsync(page.GetByRole(AriaRole.Link, new() { Name = "Back to Organizations" }));
        await page.GetByLabel("Search by name or Organization ID").FillAsync(unique);
        await browser.FollowAsync(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }));
        (await browser.ListedAsync([expectedName])).ShouldBe([expectedName]);
    }

    [Fact]
    public async Task Create_WithEveryFieldEmpty_NamesEachFieldAndSavesNothing()
    {
        await using var browser = await OpenFormAsync();
        var page = browser.Page;
        var before = await CountAsync();
        await page.GetByLabel("Country").SelectOptionAsync("");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();

        await Expect(browser.Alert).ToContainTextAsync(FixFields);
        await ExpectFieldErrorAsync(page.GetByLabel("First name"), "First name is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Last name"), "Last name is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Email", new() { Exact = true }), "Email is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Country"), "Country is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Plan", new() { Exact = true }), "Plan is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Organization name"), "Organization name is required.");
        await ExpectFieldErrorAsync(page.GetByLabel("Number of seats"), "Number of seats is required when auto license is off.");
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_WithAnEmailTakenElsewhere_RefusesAtTheEmailField()
    {
        await using var browser = await OpenFormAsync();
        var page = browser.Page;
        var before = await CountAsync();

        // Another partner's organization holds it; case does not make it a different address.
        await FillBackupAsync(page, email: PortalWorld.TakenEmail.ToUpperInvariant(), name: $"Fresh Name {Unique()}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();

        await Expect(browser.Alert).ToContainTextAsync(FixFields);
        await ExpectFieldErrorAsync(page.GetByLabel("Email", new() { Exact = true }), "This email address is already used by another organization.");
        await Expect(browser.Alert).Not.ToContainTextAsync(World.Other.Name);
        await Expect(page.GetByLabel("Organization name")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_WithANameTakenElsewhere_RefusesAtTheNameField()
    {
        await using var browser = await OpenFormAsync();
        var page = browser.Page;
        var before = await CountAsync();

        // Case and runs of spaces do not make it a different name.
        await FillBackupAsync(page, email: $"fresh.{Unique()}@example.test", name: "  taken   NAME holdings ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create organization" }).ClickAsync();

        await Expect(browser.Alert).ToContainTextAsync(FixFields);
        await ExpectFieldErrorAsync(page.GetByLabel("Organization name"), "This organization name is already used by another organization.");
        await Expect(page.GetByLabel("Email", new() { Exact = true })).Not.ToHaveAttributeAsync("aria-invalid", "true");
        (await CountAsync()).ShouldBe(before);
    }

    private async Task<PortalBrowser> OpenFormAsync()
    {
        var browser = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        try
        {
            await browser.FollowAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "New organization" }));
            await browser.ExpectHeadingAsync("New organization");
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private static Task ChoosePlanAsync(IPage page, Plan plan) =>
        page.GetByLabel("Plan", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = plan.Name });

    private async Task FillBackupAsync(IPage page, string email, string name)
    {
        await page.GetByLabel("First name").FillAsync("Alan");
        await page.GetByLabel("Last name").FillAsync("Turing");
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await ChoosePlanAsync(page, World.Backup);
        await page.GetByLabel("Organization name").FillAsync(name);
        await page.GetByLabel("Number of seats").FillAsync("10");
    }

    /// The field is marked invalid and its accessible description is the message, so a screen reader reads it too.
    private static async Task ExpectFieldErrorAsync(ILocator field, string message)
    {
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToHaveAccessibleDescriptionAsync(new Regex("^" + Regex.Escape(message)));
    }

    private Task<int> CountAsync() => fixture.App.InDatabaseAsync(db => db.Organizations.CountAsync());

    private Plan PlanOf(PlanKind kind) => kind switch
    {
        PlanKind.Personal => World.Personal,
        PlanKind.Backup => World.Backup,
        _ => World.Archiver,
    };

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];
}
