using System.Net;
using System.Text.RegularExpressions;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

using World = Custos.Web.Tests.Infrastructure.TabWorld;

namespace Custos.Web.Tests;

/// The Credentials, Login accounts and Journaling tabs over real HTTP, as a browser without script
/// uses them. Every test builds a partner of its own with an owner and a Read-only user.
public abstract partial class SourcesTabsPageTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Sources-Tabs-Password-1";

    private CustosApp App => fixture.App;


    [Fact]
    public async Task Tabs_ForOwner_RenderSourcesAccountsAndJournalAddress()
    {
        var world = await WorldAsync();
        await RecordAsync(world.Backup, SourceKind.Imap, "imap.example.test", new SourceState(12, BackupStatus.Error, null, "Re-enter the IMAP password"));
        await RecordAsync(world.Backup, SourceKind.Microsoft365, "example.test", new SourceState(30, BackupStatus.Healthy, null, null, HasAdminCredentials: true));
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        var credentials = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/credentials"));
        var accounts = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/login-accounts"));
        var journalHtml = await session.GetHtmlAsync($"/organizations/{world.Archiver}/journaling");

        credentials.ShouldContain("imap.example.test");
        credentials.ShouldContain("Re-enter the IMAP password");
        credentials.ShouldContain("1 source needs authentication");
        credentials.ShouldContain("Microsoft 365 Admin credentials present");
        accounts.ShouldContain(await OwnerEmailAsync(world.Backup));
        accounts.ShouldContain("none");
        accounts.ShouldContain("Generate API token");
        var address = (await JournalAddressAsync(world.Archiver)).ShouldNotBeNull();
        journalHtml.ShouldContain($"<code id=\"journal-address\">{address}</code>");
        journalHtml.ShouldContain("data-copy=\"#journal-address\"");
        Html.Text(journalHtml).ShouldContain("Regenerate journal address");
    }

    [Fact]
    public async Task CredentialsTab_WithoutSources_SaysWhatWillAppear()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        var text = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/credentials"));

        text.ShouldContain("No sources connected yet");
        text.ShouldNotContain("Backup status");
    }

    [Fact]
    public async Task RegenerateApiToken_ByOwner_ShowsTheTokenOnceThenOnlyMasked()
    {
        var world = await WorldAsync();
        var account = await OwnerAccountAsync(world.Backup);
        var path = $"/organizations/{world.Backup}/login-accounts";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync(path, $"api-token-{account:N}", []);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.CacheControl?.NoStore.ShouldBe(true);
        var html = await response.Content.ReadAsStringAsync();
        var token = NewToken().Match(html).Groups[1].Value;
        token.ShouldMatch("^cst_[A-Za-z0-9_-]{43}$");
        Html.Text(html).ShouldContain("it will not be shown again");
        html.ShouldContain("data-copy=\"#new-api-token\"");
        var stored = await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == account));
        stored.ApiTokenHash.ShouldBe(ApiTokens.Hash(token));

        var again = await session.GetHtmlAsync(path);
        again.ShouldNotContain(token);
        again.ShouldNotContain("id=\"new-api-token\"");
        Html.Text(again).ShouldContain("cst_••••" + token[^4..]);
        Html.Text(again).ShouldContain("Regenerate API token");
        (await AuditAsync(world.Backup, AuditEventType.ApiTokenRegenerated)).ShouldBe(1);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoChangeButtonsAndForgedPostsAnswer403()
    {
        var world = await WorldAsync();
        var account = await OwnerAccountAsync(world.Archiver);
        var address = await JournalAddressAsync(world.Archiver);
        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);

        var accounts = await session.GetHtmlAsync($"/organizations/{world.Archiver}/login-accounts");
        var journal = await session.GetHtmlAsync($"/organizations/{world.Archiver}/journaling");
        Html.Text(accounts).ShouldNotContain("Generate API token");
        Html.Text(accounts).ShouldNotContain("Yes, continue");
        Html.Text(journal).ShouldNotContain("Regenerate journal address");
        journal.ShouldContain(address!);

        var token = PortalSession.Token(accounts);
        using var forgedToken = await session.PostFormAsync($"/organizations/{world.Archiver}/login-accounts", $"api-token-{account:N}", [], token);
        using var forgedJournal = await session.PostFormAsync($"/organizations/{world.Archiver}/journaling", "journal-address", [], token);

        forgedToken.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        forgedJournal.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == account))).ApiTokenHash.ShouldBeNull();
        (await JournalAddressAsync(world.Archiver)).ShouldBe(address);
        (await AuditAsync(world.Archiver, AuditEventType.ApiTokenRegenerated)).ShouldBe(0);
        (await AuditAsync(world.Archiver, AuditEventType.JournalAddressRegenerated)).ShouldBe(0);
    }

    [Fact]
    public async Task RegenerateJournalAddress_ByOwner_ReplacesTheAddress()
    {
        var world = await WorldAsync();
        var old = await JournalAddressAsync(world.Archiver);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync($"/organizations/{world.Archiver}/journaling", "journal-address", []);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        var address = (await JournalAddressAsync(world.Archiver)).ShouldNotBeNull();
        address.ShouldNotBe(old);
        html.ShouldContain(address);
        html.ShouldNotContain(old!);
        Html.Text(html).ShouldContain("the old address no longer receives mail");
    }

    [Fact]
    public async Task ForeignOrganization_EveryTabAnswers404AndForgedPostsChangeNothing()
    {
        var world = await WorldAsync();
        var stranger = await WorldAsync();
        var account = await OwnerAccountAsync(stranger.Archiver);
        var address = await JournalAddressAsync(stranger.Archiver);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await session.TokenFromAsync($"/organizations/{world.Archiver}/journaling");

        foreach (var tab in new[] { "credentials", "login-accounts", "journaling" })
        {
            using var response = await session.GetAsync($"/organizations/{stranger.Archiver}/{tab}");
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, tab);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain(stranger.Partner.Name);
        }

        using var forgedToken = await session.PostFormAsync($"/organizations/{stranger.Archiver}/login-accounts", $"api-token-{account:N}", [], token);
        using var forgedJournal = await session.PostFormAsync($"/organizations/{stranger.Archiver}/journaling", "journal-address", [], token);

        forgedToken.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        forgedJournal.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == account))).ApiTokenHash.ShouldBeNull();
        (await JournalAddressAsync(stranger.Archiver)).ShouldBe(address);
    }

    [Fact]
    public async Task Journaling_ForABackupOrganization_Answers404AndAForgedRegenerationIsRefused()
    {
        var world = await WorldAsync();
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await session.TokenFromAsync($"/organizations/{world.Backup}/login-accounts");

        using var page = await session.GetAsync($"/organizations/{world.Backup}/journaling");
        using var forged = await session.PostFormAsync($"/organizations/{world.Backup}/journaling", "journal-address", [], token);

        page.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        forged.StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await JournalAddressAsync(world.Backup)).ShouldBeNull();
        (await AuditAsync(world.Backup, AuditEventType.JournalAddressAssigned)).ShouldBe(0);
        (await session.GetHtmlAsync($"/organizations/{world.Backup}/credentials")).ShouldNotContain("/journaling\"");
    }

    [Fact]
    public async Task Posts_WithoutAntiforgeryToken_AreRefusedAndChangeNothing()
    {
        var world = await WorldAsync();
        var account = await OwnerAccountAsync(world.Archiver);
        var address = await JournalAddressAsync(world.Archiver);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var tokenPost = await session.PostFormAsync($"/organizations/{world.Archiver}/login-accounts", $"api-token-{account:N}", [], token: null);
        using var journalPost = await session.PostFormAsync($"/organizations/{world.Archiver}/journaling", "journal-address", [], token: null);

        tokenPost.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        journalPost.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == account))).ApiTokenHash.ShouldBeNull();
        (await JournalAddressAsync(world.Archiver)).ShouldBe(address);
    }

    // ---- the world each test builds for itself ---------------------------------------------------

    private static string Unique() => Guid.NewGuid().ToString("N")[..10];

    private Task<World> WorldAsync() => TabWorld.CreateAsync(App, "Tabs Partner", Password);

    private Task RecordAsync(Guid organizationId, SourceKind kind, string label, SourceState state) =>
        App.InScopeAsync(async sp =>
        {
            var result = await sp.GetRequiredService<RecordSourceState>().HandleAsync(
                new RecordSourceStateRequest(Scope.Everything, new Actor("tests", "Web tests"), organizationId, kind, label, state), CancellationToken.None);
            result.Error.ShouldBeNull();
        });

    private Task<Guid> OwnerAccountAsync(Guid organizationId) =>
        App.InDatabaseAsync(db => db.LoginAccounts.Where(a => a.OrganizationId == organizationId && a.IsOwner).Select(a => a.Id).SingleAsync());

    private Task<string> OwnerEmailAsync(Guid organizationId) =>
        App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == organizationId).Select(o => o.OwnerEmail).SingleAsync());

    private Task<string?> JournalAddressAsync(Guid organizationId) =>
        App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == organizationId).Select(o => o.JournalAddress).SingleAsync());

    private Task<int> AuditAsync(Guid organizationId, AuditEventType type) =>
        App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == organizationId && a.EventType == type));

    [GeneratedRegex("id=\"new-api-token\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex NewToken();
}

public sealed class SourcesTabsPageTests_Sqlite(SqliteHostFixture fixture) : SourcesTabsPageTests<SqliteHostFixture>(fixture);

public sealed class SourcesTabsPageTests_Postgres(PostgresHostFixture fixture) : SourcesTabsPageTests<PostgresHostFixture>(fixture);
