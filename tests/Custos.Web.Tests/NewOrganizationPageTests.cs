using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// A small partner tree with users and organizations, made through the host's own services:
/// Top (DE) → Sub (AT) → SubSub (FR); Top → Quiet (CH, no "Send sign in", Backup only);
/// Top → Inactive; and Other (NL), a separate tree with a plan only it may sell.
public sealed record PortalWorld(
    Partner Top, Partner Sub, Partner SubSub, Partner Quiet, Partner Inactive, Partner Other,
    Plan Personal, Plan Backup, Plan Archiver, Plan OthersOnly,
    Organization TopOrganization, Organization OtherOrganization, Organization DeletedOrganization)
{
    public const string Password = "Portal-Test-Password-1";
    public const string TopOwner = "owner@top.test";
    public const string TopReadOnly = "readonly@top.test";
    public const string SubOwner = "owner@sub.test";
    public const string InactiveOwner = "owner@closed.test";

    /// The email and name of <see cref="OtherOrganization"/>, which belongs to the other tree.
    public const string TakenEmail = "taken@other-tree.test";
    public const string TakenName = "Taken Name Holdings";

    private static readonly Actor Seeder = new("tests", "Web tests");

    public static async Task<PortalWorld> SeedAsync(CustosApp app)
    {
        var (partners, plans) = await app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var top = Must(Partner.Create("Top Partner", "DE", null, isDistributor: false, now));
            var sub = Must(Partner.Create("Sub Partner", "AT", top, isDistributor: false, now));
            var subSub = Must(Partner.Create("Deep Partner", "FR", sub, isDistributor: false, now));
            var quiet = Must(Partner.Create("Quiet Partner", "CH", top, isDistributor: false, now));
            quiet.SetShowSendSignIn(false);
            var inactive = Must(Partner.Create("Closed Partner", "IT", top, isDistributor: false, now));
            inactive.Deactivate();
            var other = Must(Partner.Create("Elsewhere Partner", "NL", null, isDistributor: false, now));
            var personal = Must(Plan.Create("Personal Mail", PlanType.Personal, 2.5m, "EUR", 50, now));
            var backup = Must(Plan.Create("Backup Standard", PlanType.Backup, 3m, "EUR", 100, now));
            var archiver = Must(Plan.Create("Archiver Complete", PlanType.Archiver, 6m, "EUR", 1000, now));
            var othersOnly = Must(Plan.Create("Elsewhere Backup", PlanType.Backup, 1m, "EUR", 10, now));
            db.Partners.AddRange(top, sub, subSub, quiet, inactive, other);
            db.Plans.AddRange(personal, backup, archiver, othersOnly);
            db.PlanOfferings.AddRange(
                new PlanOffering { PartnerId = top.Id, PlanId = personal.Id },
                new PlanOffering { PartnerId = top.Id, PlanId = backup.Id },
                new PlanOffering { PartnerId = top.Id, PlanId = archiver.Id },
                new PlanOffering { PartnerId = quiet.Id, PlanId = backup.Id },
                new PlanOffering { PartnerId = other.Id, PlanId = othersOnly.Id });
            await db.SaveChangesAsync();

            var users = sp.GetRequiredService<UserManager<AppUser>>();
            await UserAsync(users, TopOwner, top, PartnerRole.Owner);
            await UserAsync(users, TopReadOnly, top, PartnerRole.ReadOnly);
            await UserAsync(users, SubOwner, sub, PartnerRole.Owner);
            await UserAsync(users, InactiveOwner, inactive, PartnerRole.Owner);
            return (new[] { top, sub, subSub, quiet, inactive, other }, new[] { personal, backup, archiver, othersOnly });
        });

        var topOrg = await CreateAsync(app, partners[0], plans[1], "top-org@top.test", "Top Partner Own Customer");
        var otherOrg = await CreateAsync(app, partners[5], plans[3], TakenEmail, TakenName);
        var deleted = await CreateAsync(app, partners[0], plans[1], "gone@top.test", "Gone Customer");
        var deletion = await app.InScopeAsync(sp => sp.GetRequiredService<DeleteOrganization>()
            .HandleAsync(new OrganizationCommand(Scope.Everything, Seeder, deleted.Id), CancellationToken.None));
        deletion.Error.ShouldBeNull();

        return new PortalWorld(
            partners[0], partners[1], partners[2], partners[3], partners[4], partners[5],
            plans[0], plans[1], plans[2], plans[3], topOrg, otherOrg, deleted);
    }

    private static Task<Organization> CreateAsync(CustosApp app, Partner partner, Plan plan, string email, string name) =>
        app.InScopeAsync(async sp =>
        {
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, Seeder, partner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo("Seed", "Owner", email, partner.Country, name), AutoLicense: false, Seats: 5)),
                CancellationToken.None);
            return Must(created);
        });

    private static async Task UserAsync(UserManager<AppUser> users, string email, Partner partner, PartnerRole role)
    {
        var result = await users.CreateAsync(
            new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = email, PartnerId = partner.Id, Role = role },
            Password);
        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors.Select(e => e.Description)));
    }

    private static T Must<T>(Result<T> result) =>
        result.Error is null ? result.Value! : throw new InvalidOperationException(result.Error.Message);
}

/// One host per test class with <see cref="PortalWorld"/> seeded once.
public abstract class PortalWorldFixture : IAsyncLifetime
{
    private readonly HostFixture _host;
    private PortalWorld? _world;

    protected PortalWorldFixture(HostFixture host) => _host = host;

    public CustosApp App => _host.App;

    public PortalWorld World => _world ?? throw new InvalidOperationException("The world was not seeded.");


    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        try
        {
            _world = await PortalWorld.SeedAsync(_host.App);
        }
        catch
        {
            await _host.DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync() => _host.DisposeAsync();
}

public sealed class SqlitePortalWorldFixture() : PortalWorldFixture(new SqliteHostFixture());

public sealed class PostgresPortalWorldFixture() : PortalWorldFixture(new PostgresHostFixture());

/// New organization (/organizations/new) and the organization page over real HTTP, as a browser
/// without script uses them: cookies, antiforgery tokens, plain form posts.
public abstract class NewOrganizationPageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : PortalWorldFixture
{
    private const string NewPath = "/organizations/new";
    private const string FormName = "new-organization";
    private const string FixFields = "Fix the highlighted fields";

    private int _logMark;

    private CustosApp App => fixture.App;

    private PortalWorld World => fixture.World;

    public Task InitializeAsync()
    {
        _logMark = App.Logs.Count;
        return Task.CompletedTask;
    }

    /// Whatever a test sent, the host handled it without logging an error (no 500s behind the scenes).
    public Task DisposeAsync()
    {
        App.Logs.AtLeast(LogLevel.Error, _logMark).ShouldBeEmpty();
        return Task.CompletedTask;
    }

    public static TheoryData<PlanKind, bool> PlanKinds => new()
    {
        { PlanKind.Personal, false },
        { PlanKind.Backup, false },
        { PlanKind.Backup, true },
        { PlanKind.Archiver, false },
        { PlanKind.Archiver, true },
    };

    [Theory]
    [MemberData(nameof(PlanKinds))]
    public async Task Create_OnEachPlanType_SavesTheOrganizationAndShowsItsPage(PlanKind kind, bool autoLicense)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var unique = Unique();
        var plan = PlanOf(kind);
        var fields = Valid(unique, plan);
        fields["Input.AutoLicense"] = autoLicense ? "true" : null;
        fields["Input.Seats"] = autoLicense ? "" : "25";
        if (kind == PlanKind.Personal)
        {
            fields["Input.OrganizationName"] = "";
            fields["Input.Seats"] = "";
        }

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await BodyAsync(response));
        var saved = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.OwnerEmail == $"owner.{unique}@example.test"));
        var location = PathOf(response);
        location.ShouldBe($"/organizations/{saved.Id}?created=1");
        saved.PartnerId.ShouldBe(World.Top.Id);
        saved.PlanId.ShouldBe(plan.Id);
        saved.PlanType.ShouldBe(plan.Type);
        saved.Status.ShouldBe(OrganizationStatus.Active);
        saved.Country.ShouldBe("PT");
        saved.OwnerFirstName.ShouldBe("Grace");
        saved.OwnerLastName.ShouldBe("Hopper " + unique);
        saved.Name.ShouldBe(kind == PlanKind.Personal ? $"Grace Hopper {unique}" : $"Compilers {unique} Ltd");
        saved.AutoLicense.ShouldBe(kind != PlanKind.Personal && autoLicense);
        saved.Seats.ShouldBe(kind == PlanKind.Personal || autoLicense ? null : 25);
        saved.PublicId.ShouldNotBeNullOrWhiteSpace();

        var page = Html.Text(await session.GetHtmlAsync(location));
        page.ShouldContain($"Organization {saved.Name} created.");
        page.ShouldContain(saved.PublicId);
        page.ShouldContain(saved.OwnerEmail);
        page.ShouldContain("Portugal");
        page.ShouldContain(plan.Name);
    }

    [Fact]
    public async Task Create_ForAPartnerTwoLevelsBelow_SavesItForThatPartner()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var unique = Unique();
        var fields = Valid(unique, World.Backup);
        fields["Input.PartnerId"] = World.SubSub.Id.ToString();

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await BodyAsync(response));
        var saved = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.OwnerEmail == $"owner.{unique}@example.test"));
        saved.PartnerId.ShouldBe(World.SubSub.Id);
    }

    [Fact]
    public async Task Form_ForTheTopPartner_OffersItsSubtreeAndTheirPlans()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var html = await session.GetHtmlAsync(NewPath);

        foreach (var label in new[] { "First name", "Last name", "Email", "Country", "Partner", "Plan", "Organization name", "Auto license", "Number of seats", "Send sign in" })
        {
            html.ShouldContain($">{label}</label>");
        }

        html.ShouldContain(">Create organization</button>");
        var partnerSelect = Between(html, "id=\"partner\"", "</select>");
        partnerSelect.ShouldContain($"value=\"{World.Top.Id}\" selected");
        partnerSelect.ShouldContain(World.Sub.Id.ToString());
        partnerSelect.ShouldContain(World.SubSub.Id.ToString());
        partnerSelect.ShouldContain(World.Quiet.Id.ToString());
        partnerSelect.ShouldNotContain(World.Inactive.Id.ToString());
        partnerSelect.ShouldNotContain(World.Other.Id.ToString());
        partnerSelect.ShouldNotContain(World.Other.Name);
        Between(html, "id=\"country\"", "</select>").ShouldContain("value=\"DE\" selected");
        var plans = Between(html, "id=\"plan\"", "</select>");
        plans.ShouldContain(World.Personal.Name);
        plans.ShouldContain(World.Backup.Name);
        plans.ShouldContain(World.Archiver.Name);
        html.ShouldNotContain(World.OthersOnly.Name);
        html.ShouldNotContain(World.OthersOnly.Id.ToString());
    }

    [Fact]
    public async Task Form_ForASubPartnerUser_OffersOnlyItsOwnSubtree()
    {
        using var session = await SignInAsync(PortalWorld.SubOwner);

        var html = await session.GetHtmlAsync(NewPath);

        var partnerSelect = Between(html, "id=\"partner\"", "</select>");
        partnerSelect.ShouldContain($"value=\"{World.Sub.Id}\" selected");
        partnerSelect.ShouldContain(World.SubSub.Id.ToString());
        partnerSelect.ShouldNotContain(World.Top.Id.ToString());
        partnerSelect.ShouldNotContain(World.Quiet.Id.ToString());
        Between(html, "id=\"country\"", "</select>").ShouldContain("value=\"AT\" selected");
    }

    [Fact]
    public async Task Submit_AfterChangingPartnerWithoutScript_ShowsThatPartnersPlansAndSettings()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var fields = Valid(Unique(), World.Personal);
        fields["Input.PartnerId"] = World.Quiet.Id.ToString();

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "plan").ShouldBe("This plan is not offered to the chosen partner; choose one from the list.");
        var plans = Between(html, "id=\"plan\"", "</select>");
        plans.ShouldContain(World.Backup.Name);
        plans.ShouldNotContain(World.Personal.Name);
        plans.ShouldNotContain(World.Archiver.Name);
        html.ShouldContain("data-field=\"sendSignIn\" hidden");
        Between(html, "id=\"partner\"", "</select>").ShouldContain($"value=\"{World.Quiet.Id}\" selected");
        Between(html, "id=\"firstName\"", ">").ShouldContain("value=\"Grace\"");
    }

    [Fact]
    public async Task Submit_WithEveryFieldEmpty_NamesEachFieldAndSavesNothing()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();

        using var response = await session.PostFormAsync(NewPath, FormName, new Dictionary<string, string?>
        {
            ["Input.FirstName"] = "",
            ["Input.LastName"] = "  ",
            ["Input.Email"] = "",
            ["Input.Country"] = "",
            ["Input.PartnerId"] = "",
            ["Input.PlanId"] = "",
            ["Input.OrganizationName"] = "",
            ["Input.Seats"] = "",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain(FixFields);
        ErrorOf(html, "firstName").ShouldBe("First name is required.");
        ErrorOf(html, "lastName").ShouldBe("Last name is required.");
        ErrorOf(html, "email").ShouldBe("Email is required.");
        ErrorOf(html, "country").ShouldBe("Country is required.");
        ErrorOf(html, "partner").ShouldBe("Partner is required.");
        ErrorOf(html, "plan").ShouldBe("Plan is required.");
        ErrorOf(html, "organizationName").ShouldBe("Organization name is required.");
        ErrorOf(html, "seats").ShouldBe("Number of seats is required when auto license is off.");
        html.ShouldContain("aria-invalid=\"true\" aria-describedby=\"firstName-error\"");
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData(PortalWorld.TakenEmail)]
    [InlineData("  TAKEN@Other-Tree.TEST ")]
    public async Task Submit_WithAnEmailUsedInAnotherTree_RefusesWithoutNamingItsPartner(string email)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields["Input.Email"] = email;

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "email").ShouldBe("This email address is already used by another organization.");
        Html.Text(html).ShouldContain(FixFields);
        html.ShouldNotContain(World.Other.Name);
        html.ShouldNotContain(PortalWorld.TakenName);
        Between(html, "id=\"email\"", ">").ShouldContain("value=\"" + email + "\"");
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData(PortalWorld.TakenName)]
    [InlineData("  taken   NAME holdings ")]
    public async Task Submit_WithANameUsedInAnotherTree_RefusesOnTheNameField(string name)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Archiver);
        fields["Input.OrganizationName"] = name;

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "organizationName").ShouldBe("This organization name is already used by another organization.");
        Html.Text(html).ShouldContain(FixFields);
        html.ShouldNotContain(World.Other.Name);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_PersonalPlanWithTheNameOfAnotherOrganization_IsAllowed()
    {
        // Personal organizations are named after their owner; the typed name is not used at all.
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var fields = Valid(Unique(), World.Personal);
        fields["Input.OrganizationName"] = PortalWorld.TakenName;

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await BodyAsync(response));
    }

    public static TheoryData<string, string> TamperedPartners => new()
    {
        { "other", "Choose a partner from the list." },
        { "above", "Choose a partner from the list." },
        { "inactive", new PartnerDeactivated().Message },
        { "random", "Choose a partner from the list." },
        { "not-a-guid", "Choose a partner from the list." },
    };

    [Fact]
    public async Task DeactivatedPartner_ItsUsersSeeWhyAndTheirCreateIsRefusedOnThePartnerField()
    {
        using var session = await SignInAsync(PortalWorld.InactiveOwner);
        var before = await CountAsync();

        var page = Html.Text(await session.GetHtmlAsync(NewPath));
        var fields = Valid(Unique(), World.Backup);
        fields["Input.PartnerId"] = World.Inactive.Id.ToString();
        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        page.ShouldContain("Your partner is deactivated: no new organization can be created. Contact support to reactivate it.");
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "partner").ShouldBe("This partner is deactivated: no new organization can be created under it. Choose an active partner, or contact support.");
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task ActivePartner_SeesNoDeactivationNotice()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);

        Html.Text(await session.GetHtmlAsync(NewPath)).ShouldNotContain("is deactivated");
    }

    [Theory]
    [MemberData(nameof(TamperedPartners))]
    public async Task Submit_WithAPartnerOutsideTheSubtree_RefusesOnThePartnerField(string which, string message)
    {
        // Sub's owner for the partner above it, Top's owner (whose form has the rest) otherwise.
        using var session = await SignInAsync(which == "above" ? PortalWorld.SubOwner : PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields["Input.PartnerId"] = which switch
        {
            "other" => World.Other.Id.ToString(),
            "above" => World.Top.Id.ToString(),
            "inactive" => World.Inactive.Id.ToString(),
            "random" => Guid.NewGuid().ToString(),
            _ => which,
        };

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "partner").ShouldBe(message);
        Html.Text(html).ShouldContain(FixFields);
        html.ShouldNotContain(World.Other.Name);
        html.ShouldNotContain(World.Inactive.Name);
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("others-only")]
    [InlineData("random")]
    [InlineData("garbage'\"<x>")]
    public async Task Submit_WithAPlanNotOfferedToThePartner_RefusesOnThePlanField(string which)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields["Input.PlanId"] = which switch
        {
            "others-only" => World.OthersOnly.Id.ToString(),
            "random" => Guid.NewGuid().ToString(),
            _ => which,
        };

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        var html = await response.Content.ReadAsStringAsync();
        ErrorOf(html, "plan").ShouldBe("This plan is not offered to the chosen partner; choose one from the list.");
        html.ShouldNotContain(World.OthersOnly.Name);
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("abc", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("-1", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("0", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("1000000", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("99999999999999999999", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("2.5", "Seats must be a whole number from 1 to 100000.")]
    [InlineData("", "Number of seats is required when auto license is off.")]
    public async Task Submit_WithBadSeats_RefusesOnTheSeatsField(string seats, string message)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields["Input.Seats"] = seats;

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        ErrorOf(await response.Content.ReadAsStringAsync(), "seats").ShouldBe(message);
        (await CountAsync()).ShouldBe(before);
    }

    public static TheoryData<string, string, string> BadText => new()
    {
        { "Input.FirstName", "firstName", "First name must be at most 100 characters." },
        { "Input.LastName", "lastName", "Last name must be at most 100 characters." },
        { "Input.OrganizationName", "organizationName", "Organization name must be at most 200 characters." },
        { "Input.Email", "email", "Email must be a valid address such as name@example.com." },
        { "Input.Country", "country", "Country must be chosen from the list." },
    };

    [Theory]
    [MemberData(nameof(BadText))]
    public async Task Submit_With10000Characters_RefusesOnTheField(string input, string field, string message)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields[input] = new string('x', 10_000);

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        ErrorOf(await response.Content.ReadAsStringAsync(), field).ShouldBe(message);
        (await CountAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("Input.FirstName", "firstName", "First name cannot contain control characters or line breaks.")]
    [InlineData("Input.LastName", "lastName", "Last name cannot contain control characters or line breaks.")]
    [InlineData("Input.OrganizationName", "organizationName", "Organization name cannot contain control characters or line breaks.")]
    [InlineData("Input.Email", "email", "Email must be a valid address such as name@example.com.")]
    public async Task Submit_WithControlCharacters_RefusesOnTheField(string input, string field, string message)
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields[input] = "bad\u0001value\r\nline\u0007" + fields[input];

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await BodyAsync(response));
        ErrorOf(await response.Content.ReadAsStringAsync(), field).ShouldBe(message);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_WithANulCharacter_IsRefusedAndSavesNothing()
    {
        // The form with a NUL in it does not even pass the antiforgery check; either way nothing is saved.
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();
        var fields = Valid(Unique(), World.Backup);
        fields["Input.FirstName"] = "Gr\u0000ace";

        using var response = await session.PostFormAsync(NewPath, FormName, fields);

        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_WithoutAntiforgeryToken_Answers400AndSavesNothing()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();

        using var response = await session.PostFormAsync(NewPath, FormName, Valid(Unique(), World.Backup), token: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_WithAnotherUsersToken_Answers400AndSavesNothing()
    {
        using var other = await SignInAsync(PortalWorld.SubOwner);
        var foreignToken = await other.TokenFromAsync(NewPath);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var before = await CountAsync();

        using var response = await session.PostFormAsync(NewPath, FormName, Valid(Unique(), World.Backup), foreignToken);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task ReadOnlyUser_OpeningNewOrganization_Gets403()
    {
        using var session = await SignInAsync(PortalWorld.TopReadOnly);

        using var response = await session.GetAsync(NewPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var html = await response.Content.ReadAsStringAsync();
        Html.Title(html).ShouldBe("Not allowed — Custos");
        html.ShouldNotContain("Create organization");
    }

    [Fact]
    public async Task ReadOnlyUser_PostingNewOrganization_Gets403AndSavesNothing()
    {
        using var session = await SignInAsync(PortalWorld.TopReadOnly);
        var token = await session.TokenFromAsync($"/organizations/{World.TopOrganization.Id}");
        var before = await CountAsync();

        using var response = await session.PostFormAsync(NewPath, FormName, Valid(Unique(), World.Backup), token);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await CountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task SignedOut_OpeningNewOrganization_IsSentToSignIn()
    {
        using var http = App.CreateHttpClient();

        using var response = await http.GetAsync(NewPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldContain("/signin");
    }

    [Fact]
    public async Task Details_OfOwnOrganization_ShowsItsFacts()
    {
        using var session = await SignInAsync(PortalWorld.TopReadOnly);
        var org = World.TopOrganization;

        var html = await session.GetHtmlAsync($"/organizations/{org.Id}");

        Html.Title(html).ShouldBe($"{org.Name} — Custos");
        var text = Html.Text(html);
        text.ShouldContain(org.Name);
        text.ShouldContain(org.PublicId);
        text.ShouldContain(org.OwnerEmail);
        text.ShouldContain("Active");
        text.ShouldContain(World.Backup.Name);
        text.ShouldContain("Germany");
        text.ShouldContain("5 seats");
        text.ShouldNotContain("created.");
    }

    [Fact]
    public async Task Details_OfASubPartnersOrganization_IsShownToThePartnerAbove()
    {
        var created = await App.InScopeAsync(sp => sp.GetRequiredService<CreateOrganization>().HandleAsync(
            new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), World.SubSub.Id, World.Personal.Id, new NewOrganization(
                new PersonalInfo("Deep", "Customer", $"deep.{Unique()}@example.test", "FR", null), false, null)),
            CancellationToken.None));
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var text = Html.Text(await session.GetHtmlAsync($"/organizations/{created.Value!.Id}"));

        text.ShouldContain(created.Value.PublicId);
        text.ShouldContain(World.SubSub.Name);
    }

    [Theory]
    [InlineData("other-tree")]
    [InlineData("above")]
    [InlineData("unknown")]
    public async Task Details_OfAnOrganizationOutsideTheSubtree_Answers404(string which)
    {
        using var session = await SignInAsync(PortalWorld.SubOwner);
        var id = which switch
        {
            "other-tree" => World.OtherOrganization.Id,
            "above" => World.TopOrganization.Id,
            _ => Guid.NewGuid(),
        };

        using var response = await session.GetAsync($"/organizations/{id}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var html = await response.Content.ReadAsStringAsync();
        Html.Title(html).ShouldBe("Not found — Custos");
        html.ShouldNotContain(World.OtherOrganization.PublicId);
        html.ShouldNotContain(World.TopOrganization.PublicId);
        html.ShouldNotContain(World.TopOrganization.Name);
    }

    [Fact]
    public async Task Details_OfADeletedOrganization_SaysItIsDeleted()
    {
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var response = await session.GetAsync($"/organizations/{World.DeletedOrganization.Id}");

        response.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var text = Html.Text(await response.Content.ReadAsStringAsync());
        text.ShouldContain("This organization is deleted");
        text.ShouldContain("Back to Organizations");
        text.ShouldNotContain(World.DeletedOrganization.OwnerEmail);
    }

    private Task<PortalSession> SignInAsync(string email) => PortalSession.SignInAsync(App, email, PortalWorld.Password);

    private Task<int> CountAsync() => App.InDatabaseAsync(db => db.Organizations.CountAsync());

    private Plan PlanOf(PlanKind kind) => kind switch
    {
        PlanKind.Personal => World.Personal,
        PlanKind.Backup => World.Backup,
        _ => World.Archiver,
    };

    /// A complete, valid form for the acting Top partner.
    private Dictionary<string, string?> Valid(string unique, Plan plan) => new()
    {
        ["Input.FirstName"] = "Grace",
        ["Input.LastName"] = "Hopper " + unique,
        ["Input.Email"] = $"owner.{unique}@example.test",
        ["Input.Country"] = "PT",
        ["Input.PartnerId"] = World.Top.Id.ToString(),
        ["Input.PlanId"] = plan.Id.ToString(),
        ["Input.OrganizationName"] = $"Compilers {unique} Ltd",
        ["Input.Seats"] = "10",
        ["Input.SendSignIn"] = "true",
    };

    /// Where a redirect points, as a local path and query.
    private string PathOf(HttpResponseMessage response) => new Uri(App.Address, response.Headers.Location!).PathAndQuery;

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private static async Task<string> BodyAsync(HttpResponseMessage response) =>
        Html.Text(await response.Content.ReadAsStringAsync());

    /// The message shown beside a field, or "" when there is none.
    private static string ErrorOf(string html, string field)
    {
        var start = html.IndexOf($"id=\"{field}-error\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        var open = html.IndexOf('>', start) + 1;
        return WebUtility.HtmlDecode(html[open..html.IndexOf("</p>", open, StringComparison.Ordinal)]).Trim();
    }

    private static string Between(string html, string from, string to)
    {
        var start = html.IndexOf(from, StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"the page has {from}");
        var end = html.IndexOf(to, start, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end + to.Length)];
    }
}

public enum PlanKind
{
    Personal,
    Backup,
    Archiver,
}

public sealed class SqliteNewOrganizationPageTests(SqlitePortalWorldFixture fixture)
    : NewOrganizationPageTests<SqlitePortalWorldFixture>(fixture);

public sealed class PostgresNewOrganizationPageTests(PostgresPortalWorldFixture fixture)
    : NewOrganizationPageTests<PostgresPortalWorldFixture>(fixture);
