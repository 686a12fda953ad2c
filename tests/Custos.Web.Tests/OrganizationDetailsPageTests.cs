using System.Globalization;
using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// The organization details page (/organizations/{id}/{tab}) over plain HTTP: its tabs, the General
/// tab's edit with its confirmation, and the Subscriptions tab's actions, each behind a confirmation
/// step, with the rules, security and bad input a browser without script can send.
public abstract class OrganizationDetailsPageTests(PortalWorldFixture fixture) : IAsyncLifetime
{
    private const string ChangedMeanwhile = "This organization was changed meanwhile; here is its current state";

    private int _logMark;

    private CustosApp App => fixture.App;

    private PortalWorld World => fixture.World;

    public Task InitializeAsync()
    {
        _logMark = App.Logs.Count;
        return Task.CompletedTask;
    }

    /// Whatever a test sent, the host handled it without logging an error.
    public Task DisposeAsync()
    {
        App.Logs.AtLeast(LogLevel.Error, _logMark).ShouldBeEmpty();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("", "General")]
    [InlineData("/general", "General")]
    [InlineData("/login-accounts", "Login accounts")]
    [InlineData("/subscriptions", "Subscriptions")]
    [InlineData("/features", "Features")]
    [InlineData("/credentials", "Credentials")]
    public async Task Tab_OfOwnOrganization_RendersWithItsTabHighlighted(string suffix, string tab)
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var html = await session.GetHtmlAsync($"/organizations/{org.Id}{suffix}");

        Html.Title(html).ShouldBe($"{org.Name} — Custos");
        html.ShouldContain($"aria-current=\"page\">{tab}</a>");
        var text = Html.Text(html);
        text.ShouldContain(org.PublicId);
        text.ShouldContain(org.OwnerEmail);
        text.ShouldNotContain("Journaling");
    }

    [Fact]
    public async Task JournalingTab_ShowsOnlyForArchiver_AndUnknownTabsAnswer404()
    {
        var backup = await CreateAsync(World.Backup);
        var archiver = await CreateAsync(World.Archiver);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var notArchiver = await session.GetAsync($"/organizations/{backup.Id}/journaling");
        using var unknown = await session.GetAsync($"/organizations/{backup.Id}/billing");
        var journaling = await session.GetHtmlAsync($"/organizations/{archiver.Id}/journaling");

        notArchiver.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        journaling.ShouldContain("aria-current=\"page\">Journaling</a>");
        Html.Text(await session.GetHtmlAsync($"/organizations/{archiver.Id}")).ShouldContain("Journaling");
    }

    [Fact]
    public async Task General_ShowsPlanSeatsAndPersonalInfo_AndNoSeatsForPersonal()
    {
        var org = await CreateAsync(World.Backup);
        var personal = await CreateAsync(World.Personal);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var text = Html.Text(await session.GetHtmlAsync($"/organizations/{org.Id}"));
        var personalHtml = await session.GetHtmlAsync($"/organizations/{personal.Id}");

        text.ShouldContain("Plan type Backup");
        text.ShouldContain("5 seats");
        text.ShouldContain("Auto license");
        text.ShouldContain("Owner first name Seed");
        text.ShouldContain($"Organization name {org.Name}");
        text.ShouldContain("Country Germany");
        personalHtml.ShouldNotContain("About seats");
        Html.Text(personalHtml).ShouldNotContain("Organization name");
    }

    [Fact]
    public async Task Edit_WithInvalidFields_Answers422WithFieldMessagesKeepsInputAndSavesNothing()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var response = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "review", firstName: "", email: "not-an-email", lastName: "Kept Lastname"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("id=\"firstName-error\"");
        html.ShouldContain("id=\"email-error\"");
        html.ShouldContain("value=\"Kept Lastname\"");
        html.ShouldContain("role=\"alert\"");
        (await ReloadAsync(org)).OwnerLastName.ShouldBe(org.OwnerLastName);
    }

    [Theory]
    [InlineData("email")]
    [InlineData("name")]
    public async Task Edit_WithATakenEmailOrName_Answers422AndSavesNothing(string which)
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var fields = which == "email"
            ? Info(org, step: "confirm", email: PortalWorld.TakenEmail.ToUpperInvariant())
            : Info(org, step: "confirm", name: "  " + PortalWorld.TakenName.ToLowerInvariant() + " ");

        using var response = await PostAsync(session, org, EditPath(org), "personal-info", fields);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain(which == "email" ? "id=\"email-error\"" : "id=\"organizationName-error\"");
        Html.Text(html).ShouldContain("is already used by another organization");
        var saved = await ReloadAsync(org);
        saved.OwnerEmail.ShouldBe(org.OwnerEmail);
        saved.Name.ShouldBe(org.Name);
    }

    [Fact]
    public async Task Edit_ChangingTheEmail_WarnsAboutSignInBeforeSaving_ThenSaves()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var newEmail = $"new.{Unique()}@example.test";

        using var review = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "review", email: newEmail));

        review.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = Html.Text(await review.Content.ReadAsStringAsync());
        text.ShouldContain("The owner's email changes how the owner signs in");
        text.ShouldContain(newEmail);
        text.ShouldContain("Yes, continue");
        (await ReloadAsync(org)).OwnerEmail.ShouldBe(org.OwnerEmail);

        using var confirm = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "confirm", email: newEmail));

        confirm.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await ReloadAsync(org)).OwnerEmail.ShouldBe(newEmail);
        Html.Text(await session.GetHtmlAsync(PathOf(confirm))).ShouldContain("Personal info saved.");
    }

    [Fact]
    public async Task Edit_KeepingTheEmail_DoesNotWarnAboutSignIn()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var review = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "review", firstName: "Renamed"));

        var text = Html.Text(await review.Content.ReadAsStringAsync());
        text.ShouldContain("Seed → Renamed");
        text.ShouldNotContain("changes how the owner signs in");
    }

    [Fact]
    public async Task Confirmations_StateEachActionsConsequence()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var purge = DateTime.UtcNow.Date.AddDays(45).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var suspend = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "suspend")));
        var unsubscribe = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "unsubscribe")));
        var delete = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "delete")));
        var autoLicense = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "auto-license")));
        var upgrade = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "plan") + "&plan=" + World.Archiver.Id));

        suspend.ShouldContain("Backups stop while it is suspended");
        suspend.ShouldContain("Yes, continue");
        unsubscribe.ShouldContain($"download their data until {purge}");
        unsubscribe.ShouldContain("Yes, continue");
        delete.ShouldContain("destroyed at once and cannot be recovered");
        delete.ShouldContain($"Type the organization's name, {org.Name}, to confirm");
        autoLicense.ShouldContain("Turn auto license on?");
        upgrade.ShouldContain($"to {World.Archiver.Name} (Archiver");
        upgrade.ShouldContain("Yes, continue");
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Active);
    }

    [Fact]
    public async Task Suspend_WhenThePartnerKeepsBackingUp_SaysBackupsContinue()
    {
        var org = await CreateAsync(World.Backup, World.Quiet);
        await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var quiet = await db.Partners.SingleAsync(p => p.Id == World.Quiet.Id);
            quiet.SetKeepBackingUpSuspended(true);
            await db.SaveChangesAsync();
        });
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var text = Html.Text(await session.GetHtmlAsync(ConfirmPath(org, "suspend")));

        text.ShouldContain("Backups continue while it is suspended");
    }

    [Fact]
    public async Task StatusActions_SuspendReactivateUnsubscribeReactivate_EachSavedAndAnnounced()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        var subscriptions = await session.GetHtmlAsync(TabPath(org));
        subscriptions.ShouldContain("?confirm=suspend");
        subscriptions.ShouldNotContain("?confirm=reactivate");

        (await ActAsync(session, org, "suspend")).ShouldContain("The organization was suspended.");
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Suspended);
        (await ActAsync(session, org, "reactivate")).ShouldContain("The organization was reactivated.");
        (await ActAsync(session, org, "unsubscribe")).ShouldContain("The organization was unsubscribed");
        var unsubscribed = await ReloadAsync(org);
        unsubscribed.Status.ShouldBe(OrganizationStatus.Unsubscribed);
        unsubscribed.PurgeDueAt!.Value.UtcDateTime.Date.ShouldBe(DateTime.UtcNow.Date.AddDays(45));
        (await session.GetHtmlAsync(TabPath(org))).ShouldNotContain("?confirm=suspend");
        (await ActAsync(session, org, "reactivate")).ShouldContain("The organization was reactivated.");
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Active);

        // One history row for today, the state after the last change.
        var history = await App.InDatabaseAsync(db => db.SubscriptionHistory.Where(h => h.OrganizationId == org.Id).ToListAsync());
        history.Count.ShouldBe(1);
        history[0].Status.ShouldBe(OrganizationStatus.Active);
    }

    [Fact]
    public async Task Delete_WithAWrongName_IsRefused_WithTheExactName_DeletesAndFreesTheEmail()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var wrong = await PostAsync(session, org, ConfirmPath(org, "delete"), "subscription-delete", new() { ["ConfirmName"] = org.Name.ToUpperInvariant() });

        wrong.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await wrong.Content.ReadAsStringAsync()).ShouldContain("Type the organization's exact name");
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Active);

        using var right = await PostAsync(session, org, ConfirmPath(org, "delete"), "subscription-delete", new() { ["ConfirmName"] = org.Name });

        right.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        PathOf(right).ShouldBe($"/organizations/{org.Id}?done=deleted");
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Deleted);
        using var details = await session.GetAsync(PathOf(right));
        details.StatusCode.ShouldBe(HttpStatusCode.Gone);
        var text = Html.Text(await details.Content.ReadAsStringAsync());
        text.ShouldContain("This organization is deleted");
        text.ShouldContain("Deleted tab");
        (await CreateAsync(World.Backup, email: org.OwnerEmail, name: org.Name)).Status.ShouldBe(OrganizationStatus.Active);
    }

    [Fact]
    public async Task ChangePlan_UpgradeIsSaved_DowngradeIsRefusedWithTheReason()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        (await ActAsync(session, org, "plan", new() { ["PlanId"] = World.Archiver.Id.ToString() }, "&plan=" + World.Archiver.Id))
            .ShouldContain($"The plan was changed to {World.Archiver.Name}.");
        (await ReloadAsync(org)).PlanType.ShouldBe(PlanType.Archiver);

        var preview = await session.GetHtmlAsync(ConfirmPath(org, "plan") + "&plan=" + World.Backup.Id);
        Html.Text(preview).ShouldContain("An Archiver organization cannot move to a Backup plan");
        preview.ShouldNotContain("Yes, continue");

        using var downgrade = await PostAsync(session, org, ConfirmPath(org, "plan") + "&plan=" + World.Backup.Id, "subscription-plan",
            new() { ["PlanId"] = World.Backup.Id.ToString() });

        downgrade.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await downgrade.Content.ReadAsStringAsync()).ShouldContain("cannot move to a Backup plan: only a plan of the same type");
        (await ReloadAsync(org)).PlanType.ShouldBe(PlanType.Archiver);

        // A plan id the partner is not offered (another partner's, or none at all), posted by hand.
        var before = await ReloadAsync(org);
        var foreignPlan = Guid.NewGuid().ToString();
        using var forged = await PostAsync(session, org, ConfirmPath(org, "plan") + "&plan=" + foreignPlan, "subscription-plan",
            new() { ["PlanId"] = foreignPlan });

        ((int)forged.StatusCode).ShouldBeInRange(400, 499);
        Html.Text(await forged.Content.ReadAsStringAsync()).ShouldContain("This plan is not offered to the organization's partner.");
        var after = await ReloadAsync(org);
        (after.PlanId, after.Version).ShouldBe((before.PlanId, before.Version));
    }

    [Fact]
    public async Task ChangeSeats_BelowUsage_IsRefusedAtTheField_AboveIsSaved()
    {
        var org = await CreateAsync(World.Backup);
        await RecordUsageAsync(org, 4);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        using var below = await PostAsync(session, org, ConfirmPath(org, "seats") + "&seats=3", "subscription-seats", new() { ["Seats"] = "3" });

        below.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await below.Content.ReadAsStringAsync();
        html.ShouldContain("id=\"seats-error\" class=\"field-error\">4 seats are in use; choose at least 4.");
        html.ShouldContain("value=\"3\"");
        (await ReloadAsync(org)).Seats.ShouldBe(5);

        (await ActAsync(session, org, "seats", new() { ["Seats"] = "12" }, "&seats=12")).ShouldContain("Seats changed to 12.");
        (await ReloadAsync(org)).Seats.ShouldBe(12);
    }

    [Fact]
    public async Task AutoLicense_OnHidesTheSeatsField_OffNeedsSeatsCoveringUsage()
    {
        var org = await CreateAsync(World.Backup);
        await RecordUsageAsync(org, 6);
        using var session = await SignInAsync(PortalWorld.TopOwner);

        (await ActAsync(session, org, "auto-license", new() { ["Enabled"] = "true" })).ShouldContain("Auto license is on");
        (await ReloadAsync(org)).AutoLicense.ShouldBeTrue();
        Html.Text(await session.GetHtmlAsync(TabPath(org))).ShouldNotContain("Change seats");

        using var tooFew = await PostAsync(session, org, ConfirmPath(org, "auto-license"), "subscription-auto-license",
            new() { ["Enabled"] = "false", ["Seats"] = "2" });
        tooFew.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await tooFew.Content.ReadAsStringAsync()).ShouldContain("6 seats are in use; choose at least 6.");
        (await ReloadAsync(org)).AutoLicense.ShouldBeTrue();
    }

    [Fact]
    public async Task Action_WithAStaleVersion_ShowsChangedMeanwhileAndSavesNothing()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var seen = (await ReloadAsync(org)).Version;
        await App.InScopeAsync(sp => sp.GetRequiredService<ChangeSeats>()
            .HandleAsync(new OrganizationCommand(Scope.Everything, new Actor("tests", "Web tests"), org.Id), 9, CancellationToken.None));

        using var response = await PostAsync(session, org, ConfirmPath(org, "suspend"), "subscription-suspend", new(), version: seen);
        using var edit = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "confirm", firstName: "Stale"), version: seen);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var text = Html.Text(await response.Content.ReadAsStringAsync());
        text.ShouldContain(ChangedMeanwhile);
        text.ShouldContain("9 seats");
        edit.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Text(await edit.Content.ReadAsStringAsync()).ShouldContain(ChangedMeanwhile);
        var saved = await ReloadAsync(org);
        saved.Status.ShouldBe(OrganizationStatus.Active);
        saved.OwnerFirstName.ShouldBe("Seed");
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoActions_AndForgedPostsAnswer403AndChangeNothing()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopReadOnly);

        var general = await session.GetHtmlAsync($"/organizations/{org.Id}");
        var subscriptions = await session.GetHtmlAsync(TabPath(org));
        var confirm = await session.GetHtmlAsync(ConfirmPath(org, "suspend"));

        general.ShouldNotContain("?edit=1");
        subscriptions.ShouldNotContain("?confirm=");
        foreach (var action in new[] { "Update subscription", "Change seats", "Turn auto license" })
        {
            Html.Text(subscriptions).ShouldNotContain(action);
        }

        Html.Text(confirm).ShouldNotContain("Yes, continue");
        Html.Text(subscriptions).ShouldContain("Subscription history");

        using var suspend = await PostAsync(session, org, ConfirmPath(org, "suspend"), "subscription-suspend", new());
        using var edit = await PostAsync(session, org, EditPath(org), "personal-info", Info(org, step: "confirm", firstName: "Forged"));

        suspend.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        edit.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var saved = await ReloadAsync(org);
        saved.Status.ShouldBe(OrganizationStatus.Active);
        saved.OwnerFirstName.ShouldBe("Seed");
    }

    [Fact]
    public async Task ForeignOrganization_GetAndPostAnswer404AndChangeNothing()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.SubOwner);
        var token = await session.TokenFromAsync("/organizations/new");
        var version = (await ReloadAsync(org)).Version.ToString(CultureInfo.InvariantCulture);

        using var get = await session.GetAsync(TabPath(org));
        using var suspend = await session.PostFormAsync(ConfirmPath(org, "suspend"), "subscription-suspend", new Dictionary<string, string?> { ["Version"] = version }, token);
        using var edit = await session.PostFormAsync(EditPath(org), "personal-info",
            new Dictionary<string, string?>(Info(org, step: "confirm", firstName: "Foreign")) { ["Version"] = version }, token);

        get.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        suspend.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        edit.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await suspend.Content.ReadAsStringAsync()).ShouldNotContain(org.Name);
        var saved = await ReloadAsync(org);
        saved.Status.ShouldBe(OrganizationStatus.Active);
        saved.OwnerFirstName.ShouldBe("Seed");
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_Answers400AndChangesNothing()
    {
        var org = await CreateAsync(World.Backup);
        using var session = await SignInAsync(PortalWorld.TopOwner);
        var version = (await ReloadAsync(org)).Version.ToString(CultureInfo.InvariantCulture);

        using var response = await session.PostFormAsync(ConfirmPath(org, "suspend"), "subscription-suspend",
            new Dictionary<string, string?> { ["Version"] = version }, token: null);

        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        (await ReloadAsync(org)).Status.ShouldBe(OrganizationStatus.Active);
    }

    private Task<PortalSession> SignInAsync(string email) => PortalSession.SignInAsync(App, email, PortalWorld.Password);

    /// Posts the confirmation of <paramref name="action"/>, follows the redirect and returns the page's text.
    private async Task<string> ActAsync(PortalSession session, Organization org, string action, Dictionary<string, string?>? fields = null, string query = "")
    {
        using var response = await PostAsync(session, org, ConfirmPath(org, action) + query, "subscription-" + action, fields ?? new());
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, Html.Text(await response.Content.ReadAsStringAsync()));
        return Html.Text(await session.GetHtmlAsync(PathOf(response)));
    }

    /// Posts a form with the organization's current version (or <paramref name="version"/>) as the page would.
    private async Task<HttpResponseMessage> PostAsync(
        PortalSession session, Organization org, string path, string formName, Dictionary<string, string?> fields, int? version = null)
    {
        var token = await session.TokenFromAsync($"/organizations/{org.Id}/features");
        fields["Version"] = (version ?? (await ReloadAsync(org)).Version).ToString(CultureInfo.InvariantCulture);
        return await session.PostFormAsync(path, formName, fields, token);
    }

    private static Dictionary<string, string?> Info(
        Organization org, string step, string? firstName = null, string? lastName = null, string? email = null, string? name = null) => new()
        {
            ["Input.FirstName"] = firstName ?? org.OwnerFirstName,
            ["Input.LastName"] = lastName ?? org.OwnerLastName,
            ["Input.Email"] = email ?? org.OwnerEmail,
            ["Input.Country"] = org.Country,
            ["Input.OrganizationName"] = name ?? org.Name,
            ["Input.Step"] = step,
        };

    private static string EditPath(Organization org) => $"/organizations/{org.Id}/general?edit=1";

    private static string TabPath(Organization org) => $"/organizations/{org.Id}/subscriptions";

    private static string ConfirmPath(Organization org, string action) => $"{TabPath(org)}?confirm={action}";

    private Task<Organization> CreateAsync(Plan plan, Domain.Partners.Partner? partner = null, string? email = null, string? name = null) =>
        App.InScopeAsync(async sp =>
        {
            var unique = Unique();
            var owner = partner ?? World.Top;
            var personal = plan.Type == PlanType.Personal;
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), owner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo("Seed", "Owner " + unique, email ?? $"details.{unique}@example.test", owner.Country, personal ? null : name ?? $"Details {unique} Ltd"),
                    AutoLicense: false,
                    Seats: personal ? null : 5)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            return created.Value!;
        });

    private Task RecordUsageAsync(Organization org, int seatsInUse) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var saved = await db.Organizations.SingleAsync(o => o.Id == org.Id);
            saved.RecordUsage(seatsInUse, 1_000_000, null);
            await db.SaveChangesAsync();
        });

    private Task<Organization> ReloadAsync(Organization org) =>
        App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == org.Id));

    private string PathOf(HttpResponseMessage response) => new Uri(App.Address, response.Headers.Location!).PathAndQuery;

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];
}

public sealed class SqliteOrganizationDetailsPageTests(SqlitePortalWorldFixture fixture)
    : OrganizationDetailsPageTests(fixture), IClassFixture<SqlitePortalWorldFixture>;

public sealed class PostgresOrganizationDetailsPageTests(PostgresPortalWorldFixture fixture)
    : OrganizationDetailsPageTests(fixture), IClassFixture<PostgresPortalWorldFixture>;
