using System.Net;
using System.Text.RegularExpressions;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Custos.Web.Tests;

/// The Users and Groups pages over real HTTP, as a browser without script uses them: cookies,
/// antiforgery tokens, plain form posts. Every test makes a partner of its own with the users it needs.
public abstract partial class UsersPageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Users-Page-Password-1";

    private CustosApp App => fixture.App;

    private sealed record Team(Partner Partner, TeamUser Owner, TeamUser FullAdmin, TeamUser Admin, TeamUser ReadOnly);

    private sealed record TeamUser(Guid Id, string Email, string Name);

    public static TheoryData<string> ForbiddenRoles => new() { nameof(Team.Admin), nameof(Team.ReadOnly) };

    [Theory]
    [MemberData(nameof(ForbiddenRoles))]
    public async Task UsersAndGroupsPages_ForAdministratorOrReadOnly_Answer403NotAllowed(string who)
    {
        var team = await TeamAsync();
        var user = who == nameof(Team.Admin) ? team.Admin : team.ReadOnly;
        var group = await GroupAsync(team);
        using var session = await PortalSession.SignInAsync(App, user.Email, Password);

        foreach (var path in new[] { "/users", "/users/groups", $"/users/groups/{group}" })
        {
            using var response = await session.GetAsync(path);

            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
            var text = Html.Text(await response.Content.ReadAsStringAsync());
            text.ShouldContain("Not allowed");
            text.ShouldNotContain(team.Owner.Email);
        }

        // Nor does the portal's menu offer the Users page.
        (await session.GetHtmlAsync("/organizations")).ShouldNotContain("href=\"/users\"");
    }

    [Fact]
    public async Task AddUserPost_ForgedByReadOnlyUser_Answers403AndCreatesNothing()
    {
        var team = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.ReadOnly.Email, Password);
        // A valid antiforgery token of this session, from a page the user may open.
        var token = await session.TokenFromAsync("/organizations");
        var email = $"forged.{Unique()}@example.test";
        var audit = await AuditCountAsync(team);

        using var response = await session.PostFormAsync("/users", "add-user", NewUser(email, PartnerRole.Owner), token);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await UserExistsAsync(email)).ShouldBeFalse();
        (await AuditCountAsync(team)).ShouldBe(audit);
        (await MailsToAsync(email)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GroupPosts_ForgedByReadOnlyUser_Answer403AndChangeNothing()
    {
        var team = await TeamAsync();
        var group = await GroupAsync(team);
        using var session = await PortalSession.SignInAsync(App, team.ReadOnly.Email, Password);
        var token = await session.TokenFromAsync("/organizations");

        using var create = await session.PostFormAsync("/users/groups", "add-group", new Dictionary<string, string?> { ["Input.Name"] = "Forged" }, token);
        using var members = await session.PostFormAsync($"/users/groups/{group}", "members", new Dictionary<string, string?> { ["member"] = team.ReadOnly.Id.ToString() }, token);

        create.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        members.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.Groups.CountAsync(g => g.PartnerId == team.Partner.Id))).ShouldBe(1);
        (await App.InDatabaseAsync(db => db.GroupMembers.CountAsync(m => m.GroupId == group))).ShouldBe(0);
    }

    [Fact]
    public async Task UsersPage_ForOwner_ListsOwnUsersWithRolesAndNotSubPartnersUsers()
    {
        var team = await TeamAsync();
        var below = await TeamAsync(parent: team.Partner);
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);

        var html = await session.GetHtmlAsync("/users");

        var text = Html.Text(html);
        foreach (var user in new[] { team.Owner, team.FullAdmin, team.Admin, team.ReadOnly })
        {
            text.ShouldContain(user.Email);
        }

        text.ShouldNotContain(below.Owner.Email);
        text.ShouldContain("Full administrator");
        text.ShouldContain("Read-only");
        html.ShouldContain("Add user");
        html.ShouldContain("href=\"/users\"");
    }

    [Fact]
    public async Task AddUser_ByOwner_ShowsTheLinkOnceMailsItAndTheLinkSetsThePassword()
    {
        var team = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);
        var email = $"new.person.{Unique()}@example.test";

        using var response = await session.PostFormAsync("/users", "add-user", NewUser(email, PartnerRole.Administrator));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain("was added as Administrator");
        var link = WebUtility.HtmlDecode(InvitationLink().Match(html).Groups[1].Value);
        link.ShouldContain("/reset-password?email=");
        var user = await App.InDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == email));
        user.PartnerId.ShouldBe(team.Partner.Id);
        user.Role.ShouldBe(PartnerRole.Administrator);
        user.PasswordHash.ShouldBeNull();
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == team.Partner.Id && a.EventType == AuditEventType.PartnerUserCreated)))
            .ShouldBe(1);

        // The same link went out by mail; reloading the page does not show it again.
        var mail = (await MailsToAsync(email)).ShouldHaveSingleItem();
        mail.TextBody.ShouldNotBeNull().ShouldContain(link);
        (await session.GetHtmlAsync("/users")).ShouldNotContain("id=\"invitation-link\"");

        // The new user chooses a password with it and signs in.
        var path = new Uri(link).PathAndQuery;
        using var invited = PortalSession.Anonymous(App);
        var page = await invited.GetHtmlAsync(path);
        var fields = new Dictionary<string, string?>
        {
            ["Input.Email"] = WebUtility.HtmlDecode(Regex.Match(page, "name=\"Input.Email\" value=\"([^\"]*)\"").Groups[1].Value),
            ["Input.Code"] = WebUtility.HtmlDecode(Regex.Match(page, "name=\"Input.Code\" value=\"([^\"]*)\"").Groups[1].Value),
            ["Input.Password"] = "Chosen-Password-123",
            ["Input.Repeat"] = "Chosen-Password-123",
        };
        using var set = await invited.PostFormAsync(path, "reset-password", fields);
        Html.Text(await set.Content.ReadAsStringAsync()).ShouldContain("Your password has been changed");
        using var signedIn = await PortalSession.SignInAsync(App, email, "Chosen-Password-123");
        using var users = await signedIn.GetAsync("/users");
        users.StatusCode.ShouldBe(HttpStatusCode.Forbidden); // an Administrator
    }

    [Fact]
    public async Task AddUser_BadInput_FieldErrorsAndNothingSaved()
    {
        var team = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);
        var before = await UserCountAsync();

        var cases = new[]
        {
            (Email: new string('a', 10_000) + "@example.test", Name: "Long Mail", Role: "ReadOnly", Message: "Email must be a valid address"),
            (Email: $"ok.{Unique()}@example.test", Name: "Bell\u0007Name", Role: "ReadOnly", Message: "Name cannot contain control characters"),
            (Email: $"ok.{Unique()}@example.test", Name: new string('n', 10_000), Role: "ReadOnly", Message: "Name must be at most 200 characters"),
            (Email: $"ok.{Unique()}@example.test", Name: "Tampered", Role: "SuperUser", Message: "Choose a role"),
            (Email: $"ok.{Unique()}@example.test", Name: "Numbered", Role: "1", Message: "Choose a role"),
            (Email: team.FullAdmin.Email.ToUpperInvariant(), Name: "Copy", Role: "ReadOnly", Message: "already belongs to a user"),
            (Email: "", Name: "", Role: "", Message: "Email is required"),
        };
        foreach (var c in cases)
        {
            using var response = await session.PostFormAsync("/users", "add-user", new Dictionary<string, string?>
            {
                ["Input.Email"] = c.Email,
                ["Input.DisplayName"] = c.Name,
                ["Input.Role"] = c.Role,
            });

            response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, c.Message);
            var text = Html.Text(await response.Content.ReadAsStringAsync());
            text.ShouldContain("Fix the highlighted fields");
            text.ShouldContain(c.Message);
        }

        (await UserCountAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task FullAdministrator_CannotTouchAnOwner_EvenByForgingTheForm()
    {
        var team = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.FullAdmin.Email, Password);
        var html = await session.GetHtmlAsync("/users");
        html.ShouldNotContain($"remove-{team.Owner.Id:N}");
        html.ShouldNotContain($"role-{team.Owner.Id:N}");
        html.ShouldNotContain("<option value=\"Owner\"");
        var token = PortalSession.Token(html);

        // No such form on the page: the post is refused before any handler runs.
        using var remove = await session.PostFormAsync("/users", $"remove-{team.Owner.Id:N}", [], token);
        remove.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // A grant of Owner through an allowed row is refused by the rules.
        using var promote = await session.PostFormAsync("/users", $"role-{team.Admin.Id:N}", new Dictionary<string, string?> { ["Change.Role"] = "Owner" }, token);
        promote.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await promote.Content.ReadAsStringAsync()).ShouldContain("Only an owner can make someone an owner");

        var roles = await App.InDatabaseAsync(db => db.Users.Where(u => u.PartnerId == team.Partner.Id).ToDictionaryAsync(u => u.Id, u => u.Role));
        roles[team.Owner.Id].ShouldBe(PartnerRole.Owner);
        roles[team.Admin.Id].ShouldBe(PartnerRole.Administrator);
    }

    [Fact]
    public async Task ChangeRoleAndRemove_ByOwner_ApplyAndAnotherPartnersUserIsNotReachable()
    {
        var team = await TeamAsync();
        var stranger = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);
        var token = await session.TokenFromAsync("/users");

        using var change = await session.PostFormAsync("/users", $"role-{team.ReadOnly.Id:N}", new Dictionary<string, string?> { ["Change.Role"] = "FullAdministrator" }, token);
        change.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await change.Content.ReadAsStringAsync()).ShouldContain("is now Full administrator");
        using var remove = await session.PostFormAsync("/users", $"remove-{team.Admin.Id:N}", [], token);
        remove.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await remove.Content.ReadAsStringAsync()).ShouldContain("was removed");
        using var lastOwner = await session.PostFormAsync("/users", $"role-{team.Owner.Id:N}", new Dictionary<string, string?> { ["Change.Role"] = "ReadOnly" }, token);
        lastOwner.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await lastOwner.Content.ReadAsStringAsync()).ShouldContain("at least one owner");
        using var foreign = await session.PostFormAsync("/users", $"remove-{stranger.ReadOnly.Id:N}", [], token);
        foreign.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var roles = await App.InDatabaseAsync(db => db.Users.Where(u => u.PartnerId == team.Partner.Id || u.Id == stranger.ReadOnly.Id)
            .ToDictionaryAsync(u => u.Id, u => u.Role));
        roles[team.ReadOnly.Id].ShouldBe(PartnerRole.FullAdministrator);
        roles.ShouldNotContainKey(team.Admin.Id);
        roles[team.Owner.Id].ShouldBe(PartnerRole.Owner);
        roles[stranger.ReadOnly.Id].ShouldBe(PartnerRole.ReadOnly);
    }

    [Fact]
    public async Task ChangeOwnRole_ToAdministrator_LeavesTheUsersPage()
    {
        var team = await TeamAsync();
        using var session = await PortalSession.SignInAsync(App, team.FullAdmin.Email, Password);
        var token = await session.TokenFromAsync("/users");

        using var response = await session.PostFormAsync("/users", $"role-{team.FullAdmin.Id:N}", new Dictionary<string, string?> { ["Change.Role"] = "Administrator" }, token);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldEndWith("/organizations");
        (await App.InDatabaseAsync(db => db.Users.SingleAsync(u => u.Id == team.FullAdmin.Id))).Role.ShouldBe(PartnerRole.Administrator);

        // The sign-in cookie may still say Full administrator for a minute; the page asks the database.
        using var again = await session.GetAsync("/users");
        again.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var text = Html.Text(await again.Content.ReadAsStringAsync());
        text.ShouldContain("Only owners and full administrators can manage users and groups");
        text.ShouldNotContain(team.Owner.Email);
        text.ShouldNotContain("Add user");
    }

    [Fact]
    public async Task GroupPages_ByOwner_CreateGroupChooseMembersAndOrganizations()
    {
        var team = await TeamAsync();
        var org = await OrganizationAsync(team.Partner, "Group Page Customer");
        var foreignOrg = await OrganizationAsync(null, "Somebody Else's Customer");
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);

        using var created = await session.PostFormAsync("/users/groups", "add-group", new Dictionary<string, string?> { ["Input.Name"] = "Night shift" });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await created.Content.ReadAsStringAsync()).ShouldContain("Group Night shift created");
        var group = await App.InDatabaseAsync(db => db.Groups.Where(g => g.PartnerId == team.Partner.Id).Select(g => g.Id).SingleAsync());
        var path = $"/users/groups/{group}";
        var page = await session.GetHtmlAsync(path);
        page.ShouldContain(team.Admin.Email);
        page.ShouldContain("Group Page Customer");
        page.ShouldNotContain("Somebody Else");
        var token = PortalSession.Token(page);

        using var members = await session.PostFormAsync(path, "members", [new("member", team.Admin.Id.ToString())], token);
        members.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var organizations = await session.PostFormAsync(path, "organizations",
            [new("shown", org.ToString()), new("organization", org.ToString())], token);
        organizations.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await organizations.Content.ReadAsStringAsync()).ShouldContain("1 added");

        // A tampered organization ID outside the partner's tree is refused and changes nothing.
        using var tampered = await session.PostFormAsync(path, "organizations",
            [new("shown", foreignOrg.ToString()), new("organization", foreignOrg.ToString())], token);
        tampered.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        using var garbage = await session.PostFormAsync(path, "members", [new("member", "not-an-id")], token);
        garbage.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);

        (await App.InDatabaseAsync(db => db.GroupMembers.Where(m => m.GroupId == group).Select(m => m.UserId).ToListAsync())).ShouldBe([team.Admin.Id]);
        (await App.InDatabaseAsync(db => db.GroupOrganizations.Where(m => m.GroupId == group).Select(m => m.OrganizationId).ToListAsync())).ShouldBe([org]);

        // The Administrator now sees that organization, and only it.
        var visible = await App.InDatabaseAsync(db => db.InScope(new Scope(team.Partner.Path, team.Admin.Id)).Select(o => o.Id).ToListAsync());
        visible.ShouldBe([org]);
    }

    [Fact]
    public async Task GroupPage_OfAnotherPartner_Answers404()
    {
        var team = await TeamAsync();
        var stranger = await TeamAsync();
        var foreignGroup = await GroupAsync(stranger);
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);

        using var response = await session.GetAsync($"/users/groups/{foreignGroup}");
        using var missing = await session.GetAsync($"/users/groups/{Guid.NewGuid()}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GroupPage_LongOrControlCharacterSearch_ShowsAMessageNotAnError()
    {
        var team = await TeamAsync();
        var group = await GroupAsync(team);
        using var session = await PortalSession.SignInAsync(App, team.Owner.Email, Password);

        using var tooLong = await session.GetAsync($"/users/groups/{group}?q={new string('x', 10_000)}");
        using var control = await session.GetAsync($"/users/groups/{group}?q=a%00b&after=%%garbage");

        tooLong.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await tooLong.Content.ReadAsStringAsync()).ShouldContain("Search is limited to 200 characters");
        control.StatusCode.ShouldBe(HttpStatusCode.OK);
        Html.Text(await control.Content.ReadAsStringAsync()).ShouldContain("Search cannot contain control characters");
    }

    // ---- the world each test builds for itself ---------------------------------------------------

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private static Dictionary<string, string?> NewUser(string email, PartnerRole role) => new()
    {
        ["Input.Email"] = email,
        ["Input.DisplayName"] = "New Person",
        ["Input.Role"] = role.ToString(),
    };

    /// A partner (below <paramref name="parent"/>, or a root) with one user of every role.
    private Task<Team> TeamAsync(Partner? parent = null) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Unique();
            var partner = Partner.Create($"Users Partner {unique}", "DE", parent, isDistributor: false, now).Value!;
            db.Partners.Add(partner);
            await db.SaveChangesAsync();

            var users = sp.GetRequiredService<UserManager<AppUser>>();
            async Task<TeamUser> UserAsync(PartnerRole role)
            {
                var email = $"{role.ToString().ToLowerInvariant()}.{unique}@example.test";
                var user = new AppUser { UserName = email, Email = email, DisplayName = $"{role} {unique}", PartnerId = partner.Id, Role = role };
                var result = await users.CreateAsync(user, Password);
                result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors.Select(e => e.Description)));
                return new TeamUser(user.Id, email, user.DisplayName);
            }

            return new Team(
                partner,
                await UserAsync(PartnerRole.Owner),
                await UserAsync(PartnerRole.FullAdministrator),
                await UserAsync(PartnerRole.Administrator),
                await UserAsync(PartnerRole.ReadOnly));
        });

    private Task<Guid> GroupAsync(Team team) =>
        App.InDatabaseAsync(async db =>
        {
            var group = PartnerGroup.Create(team.Partner.Id, $"Group {Unique()}", DateTimeOffset.UnixEpoch).Value!;
            db.Groups.Add(group);
            await db.SaveChangesAsync();
            return group.Id;
        });

    /// An organization of <paramref name="partner"/> (or of a partner of its own when null).
    private Task<Guid> OrganizationAsync(Partner? partner, string name) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Unique();
            if (partner is null)
            {
                partner = Partner.Create($"Elsewhere {unique}", "FR", null, isDistributor: false, now).Value!;
                db.Partners.Add(partner);
            }

            var plan = Plan.Create($"Plan {unique}", PlanType.Backup, 3m, "EUR", 100, now).Value!;
            db.Plans.Add(plan);
            await db.SaveChangesAsync();
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), partner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo("Ada", "Lovelace", $"ada.{unique}@example.test", "DE", $"{name} {unique}"), AutoLicense: false, Seats: 5)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            return created.Value!.Id;
        });

    private Task<bool> UserExistsAsync(string email) =>
        App.InDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == email.ToUpperInvariant()));

    private Task<int> UserCountAsync() => App.InDatabaseAsync(db => db.Users.CountAsync());

    private Task<int> AuditCountAsync(Team team) =>
        App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == team.Partner.Id));

    private Task<List<MimeMessage>> MailsToAsync(string email) => DeliveredMail.ToAsync(App, email);

    [GeneratedRegex("id=\"invitation-link\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex InvitationLink();
}

public sealed class UsersPageTests_Sqlite(SqliteHostFixture fixture) : UsersPageTests<SqliteHostFixture>(fixture);

public sealed class UsersPageTests_Postgres(PostgresHostFixture fixture) : UsersPageTests<PostgresHostFixture>(fixture);
