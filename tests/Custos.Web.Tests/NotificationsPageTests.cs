using System.Net;
using System.Text.RegularExpressions;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Mail;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

using World = Custos.Web.Tests.Infrastructure.TabWorld;

namespace Custos.Web.Tests;

/// The Notification settings page and "Send reset password" over real HTTP, as a browser without
/// script uses them. Every test builds a partner of its own.
public abstract partial class NotificationsPageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Notices-Page-Password-1";
    private const string SettingsPath = "/settings/notifications";
    private const string SettingsForm = "notification-settings";

    private CustosApp App => fixture.App;

    [Fact]
    public async Task Settings_SavedByOwner_RedirectsToASuccessAlertAndNewOrganizationFollowsThem()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var page = await session.GetHtmlAsync(SettingsPath);
        Html.Text(page).ShouldContain("Save settings");
        page.ShouldContain("href=\"/settings/notifications\"");
        RadioChecked(page, "showSendSignIn-show").ShouldBeTrue();
        RadioChecked(page, "notifyAdmins").ShouldBeTrue();
        CheckboxChecked(await session.GetHtmlAsync("/organizations/new")).ShouldBeTrue();

        using var response = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("show", "unchecked", "on", owner: true, admins: false, version: "0"));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        PathOf(response).ShouldBe("/settings/notifications?saved=1");
        var after = await session.GetHtmlAsync(PathOf(response));
        Html.Text(after).ShouldContain("Notification settings saved.");
        RadioChecked(after, "sendSignInDefault-unchecked").ShouldBeTrue();
        RadioChecked(after, "notifyAdmins").ShouldBeFalse();
        (await SettingsAsync(world.Partner.Id)).ShouldBe(new NotificationSettings(true, false, true, true, false));
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.NotificationSettingsChanged)))
            .ShouldBe(1);

        var newOrganization = await session.GetHtmlAsync("/organizations/new");
        CheckboxChecked(newOrganization).ShouldBeFalse();
        newOrganization.ShouldContain("data-send-sign-in-default=\"false\"");
    }

    [Fact]
    public async Task Settings_BadInput_Answers422WithFieldMessagesAndSavesNothing()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var tampered = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("maybe", "checked", "sometimes", owner: true, admins: true, version: "0"));
        using var nobody = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("show", "checked", "on", owner: false, admins: false, version: "0"));

        tampered.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var tamperedHtml = await tampered.Content.ReadAsStringAsync();
        tamperedHtml.ShouldContain("id=\"showSendSignIn-error\"");
        tamperedHtml.ShouldContain("id=\"lifecycleNotices-error\"");
        Html.Text(tamperedHtml).ShouldContain("The settings were not saved. Fix the highlighted fields.");
        nobody.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var nobodyHtml = await nobody.Content.ReadAsStringAsync();
        nobodyHtml.ShouldContain("id=\"recipients-error\"");
        Html.Text(nobodyHtml).ShouldContain("Choose at least one recipient of lifecycle notices, or turn lifecycle notices off.");
        (await SettingsAsync(world.Partner.Id)).ShouldBe(NotificationSettings.Default);
    }

    [Fact]
    public async Task Settings_StaleVersionOrNoToken_ChangeNothing()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var off = Fields("show", "checked", "off", owner: true, admins: true, version: "0");
        (await session.PostFormAsync(SettingsPath, SettingsForm, off)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var stale = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("hide", "checked", "on", owner: true, admins: true, version: "0"));
        using var forged = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("hide", "checked", "on", owner: true, admins: true, version: "1"), token: null);

        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var html = await stale.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain("Someone else changed the notification settings meanwhile");
        RadioChecked(html, "lifecycleNotices-off").ShouldBeTrue();
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await SettingsAsync(world.Partner.Id)).ShouldBe(NotificationSettings.Default with { LifecycleNotices = false });
    }

    [Fact]
    public async Task Settings_ReadOnlyAndAdministrator_SeeThemReadOnlyAndForgedPostsAnswer403()
    {
        var world = await WorldAsync();
        var administrator = await AddUserAsync(world, PartnerRole.Administrator);
        foreach (var email in new[] { world.ReadOnly, administrator })
        {
            using var session = await PortalSession.SignInAsync(App, email, Password);
            var page = await session.GetHtmlAsync(SettingsPath);
            Html.Text(page).ShouldNotContain("Save settings");
            Html.Text(page).ShouldContain("Only owners and full administrators can change these settings.");
            page.ShouldContain("<fieldset disabled");

            using var forged = await session.PostFormAsync(SettingsPath, SettingsForm, Fields("hide", "unchecked", "off", owner: false, admins: false, version: "0"), PortalSession.Token(page));

            forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden, email);
        }

        (await SettingsAsync(world.Partner.Id)).ShouldBe(NotificationSettings.Default);
    }

    [Fact]
    public async Task ResetPassword_FromTheRowMenu_ConfirmsThenSendsTheOwnersLinkOnce()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var confirmPath = $"/organizations/{world.Backup}/login-accounts?confirm=reset-password";

        var list = await session.GetHtmlAsync("/organizations");
        list.ShouldContain($"href=\"{confirmPath}\"");
        var confirm = Html.Text(await session.GetHtmlAsync(confirmPath));
        confirm.ShouldContain("Send a password reset link to the owner");
        confirm.ShouldContain("Yes, continue");
        (await OutboxAsync(world.Backup)).ShouldBeEmpty();

        using var response = await session.PostFormAsync(confirmPath, "reset-password", []);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var done = Html.Text(await session.GetHtmlAsync(PathOf(response)));
        var owner = await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Backup).Select(o => o.OwnerEmail).SingleAsync());
        done.ShouldContain($"A password reset link was sent to the owner, {owner}. It works once, for 1 hour.");
        var mail = (await OutboxAsync(world.Backup)).ShouldHaveSingleItem();
        mail.Kind.ShouldBe("organization.password-reset");
        mail.ToAddress.ShouldBe(owner);
        mail.FromName.ShouldBe(world.Partner.Name);
        mail.TextBody.ShouldContain($"{App.Address}portal/reset-password?token=");
    }

    [Fact]
    public async Task ResetPassword_OverTheHourlyLimit_SaysWhenItIsPossibleAgain()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var confirmPath = $"/organizations/{world.Archiver}/login-accounts?confirm=reset-password";
        for (var i = 0; i < PasswordResets.PerHour; i++)
        {
            using var sent = await session.PostFormAsync(confirmPath, "reset-password", []);
            sent.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var page = await session.GetHtmlAsync(confirmPath);
        using var refused = await session.PostFormAsync(confirmPath, "reset-password", [], PortalSession.Token(page));

        Html.Text(page).ShouldContain("A reset link was already sent 3 times in the last hour for this organization. You can send another at");
        Html.Text(ResetStep(page)).ShouldNotContain("Yes, continue");
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        Html.Text(await refused.Content.ReadAsStringAsync()).ShouldContain("You can send another at");
        (await OutboxAsync(world.Archiver)).Count.ShouldBe(PasswordResets.PerHour);
    }

    [Fact]
    public async Task ResetPassword_ReadOnlyGets403AndAForeignOrganization404()
    {
        var world = await WorldAsync();
        var stranger = await WorldAsync();
        using (var readOnly = await PortalSession.SignInAsync(App, world.ReadOnly, Password))
        {
            var tab = await readOnly.GetHtmlAsync($"/organizations/{world.Backup}/login-accounts?confirm=reset-password");
            Html.Text(tab).ShouldNotContain("Send reset password");
            Html.Text(tab).ShouldNotContain("Yes, continue");
            Html.Text(await readOnly.GetHtmlAsync("/organizations")).ShouldNotContain("Send reset password");

            using var forged = await readOnly.PostFormAsync($"/organizations/{world.Backup}/login-accounts", "reset-password", [], PortalSession.Token(tab));

            forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var owner = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await owner.TokenFromAsync($"/organizations/{world.Backup}/login-accounts");
        using var foreignPage = await owner.GetAsync($"/organizations/{stranger.Backup}/login-accounts?confirm=reset-password");
        using var foreignPost = await owner.PostFormAsync($"/organizations/{stranger.Backup}/login-accounts", "reset-password", [], token);

        foreignPage.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        foreignPost.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await OutboxAsync(world.Backup)).ShouldBeEmpty();
        (await OutboxAsync(stranger.Backup)).ShouldBeEmpty();
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private Task<World> WorldAsync() => TabWorld.CreateAsync(App, "Notices Partner", Password);

    private Task<string> AddUserAsync(World world, PartnerRole role) =>
        App.InScopeAsync(async sp =>
        {
            var email = $"{role.ToString().ToLowerInvariant()}.{Guid.NewGuid():N}@example.test";
            var user = new AppUser { UserName = email, Email = email, DisplayName = $"{role}", PartnerId = world.Partner.Id, Role = role };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
            return email;
        });

    private static Dictionary<string, string?> Fields(string show, string byDefault, string notices, bool owner, bool admins, string version) => new()
    {
        ["Input.ShowSendSignIn"] = show,
        ["Input.SendSignInDefault"] = byDefault,
        ["Input.LifecycleNotices"] = notices,
        ["Input.NotifyOwner"] = owner ? "true" : null,
        ["Input.NotifyAdmins"] = admins ? "true" : null,
        ["Version"] = version,
    };

    private Task<NotificationSettings> SettingsAsync(Guid partnerId) =>
        App.InDatabaseAsync(async db => (await db.Partners.AsNoTracking().SingleAsync(p => p.Id == partnerId)).Notifications);

    private Task<List<OutboxMessage>> OutboxAsync(Guid organizationId) =>
        App.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.OrganizationId == organizationId).ToListAsync());

    private static bool RadioChecked(string html, string id) =>
        Regex.Match(html, $"<input id=\"{id}\"[^>]*>") is { Success: true } m
            ? m.Value.Contains(" checked", StringComparison.Ordinal)
            : throw new InvalidOperationException($"No input #{id} on the page.");

    private string PathOf(HttpResponseMessage response) => new Uri(App.Address, response.Headers.Location!).PathAndQuery;

    /// The confirmation step of the reset (the tab also holds the API token panels).
    private static string ResetStep(string html) =>
        Regex.Match(html, "<section[^>]*data-confirm=\"reset-password\".*?</section>", RegexOptions.Singleline) is { Success: true } m
            ? m.Value
            : throw new InvalidOperationException("No reset confirmation step on the page.");

    private static bool CheckboxChecked(string html) => RadioChecked(html, "sendSignIn");
}

public sealed class NotificationsPageTests_Sqlite(SqliteHostFixture fixture) : NotificationsPageTests<SqliteHostFixture>(fixture);

public sealed class NotificationsPageTests_Postgres(PostgresHostFixture fixture) : NotificationsPageTests<PostgresHostFixture>(fixture);
