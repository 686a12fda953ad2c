using System.Globalization;
using System.Net;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests;

/// Connecting IMAP mailboxes on the Credentials tab, over real HTTP against the real Dovecot.
public abstract class ImapCredentialsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Imap-Tab-Password-1";

    private CustosApp App => fixture.App;

    private static Dictionary<string, string?> Form(TestImapUser user, string action, string? password = null, string? host = null, string? port = null, string? security = null) => new()
    {
        ["Imap.Host"] = host ?? user.Host,
        ["Imap.Port"] = port ?? user.Port.ToString(CultureInfo.InvariantCulture),
        ["Imap.Security"] = security ?? nameof(ImapSecurity.None),
        ["Imap.UserName"] = user.UserName,
        ["Imap.Password"] = password ?? user.Password,
        ["Imap.Action"] = action,
    };

    [Fact]
    public async Task Connect_WithWorkingSettings_SavesTheMailboxItsAccountAndSource_WithThePasswordEncrypted()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 2);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "connect"));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldEndWith($"{path}?done=imap-connected");
        var saved = await App.InDatabaseAsync(db => db.ImapMailboxes.AsNoTracking().SingleAsync(m => m.OrganizationId == world.Backup));
        saved.UserName.ShouldBe(mailbox.UserName);
        saved.Host.ShouldBe(mailbox.Host);
        saved.ProtectedPassword.ShouldNotContain(mailbox.Password);
        var source = await App.InDatabaseAsync(db => db.CredentialSources.AsNoTracking().SingleAsync(c => c.Id == saved.CredentialSourceId));
        (source.Kind, source.Label, source.Accounts).ShouldBe((SourceKind.Imap, mailbox.Host, 1));
        var account = await App.InDatabaseAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == saved.LoginAccountId));
        account.Email.ShouldBe($"{mailbox.UserName}@{mailbox.Host}");
        account.IsOwner.ShouldBeFalse();
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.ImapMailboxConnected));
        audit.ActorName.ShouldNotBe("Custos");
        audit.After!.ShouldNotContain(mailbox.Password);
        audit.After!.ShouldNotContain(saved.ProtectedPassword);

        var page = Html.Text(await session.GetHtmlAsync($"{path}?done=imap-connected"));
        page.ShouldContain("The mailbox is connected");
        page.ShouldContain(mailbox.UserName);
    }

    [Fact]
    public async Task TestConnection_ReportsFoldersAndMessages_AndSavesNothing()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 3);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "test"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        Html.Text(html).ShouldContain("Connection works: 1 folder with 3 messages");
        html.ShouldNotContain(mailbox.Password);
        (await App.InDatabaseAsync(db => db.ImapMailboxes.CountAsync(m => m.OrganizationId == world.Backup))).ShouldBe(0);
    }

    [Fact]
    public async Task WrongPassword_IsAFieldErrorOnThePassword_AndNothingIsSaved()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "connect", password: "not-it"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("id=\"imap-password-error\"");
        Html.Text(html).ShouldContain($"re-enter the password for {mailbox.UserName}");
        (await App.InDatabaseAsync(db => db.ImapMailboxes.CountAsync(m => m.OrganizationId == world.Backup))).ShouldBe(0);
        (await App.InDatabaseAsync(db => db.CredentialSources.CountAsync(c => c.OrganizationId == world.Backup))).ShouldBe(0);
    }

    [Theory]
    [InlineData("", null, null, "imap-host-error")]
    [InlineData("imap://host", null, null, "imap-host-error")]
    [InlineData(null, "abc", null, "imap-port-error")]
    [InlineData(null, "70000", null, "imap-port-error")]
    [InlineData(null, null, "Bogus", "imap-security-error")]
    public async Task BadInput_GetsAFieldMessage_AndNothingIsSaved(string? host, string? port, string? security, string errorId)
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "connect", host: host, port: port, security: security));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadAsStringAsync()).ShouldContain($"id=\"{errorId}\"");
        (await App.InDatabaseAsync(db => db.ImapMailboxes.CountAsync(m => m.OrganizationId == world.Backup))).ShouldBe(0);
    }

    [Fact]
    public async Task ConnectingTheSameMailboxAgain_ReplacesItsPassword_WithoutASecondMailbox()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 1);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        using (var first = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "connect")))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var before = await App.InDatabaseAsync(db => db.ImapMailboxes.AsNoTracking().SingleAsync(m => m.OrganizationId == world.Backup));

        var upperCase = Form(mailbox, "connect");
        upperCase["Imap.UserName"] = mailbox.UserName.ToUpperInvariant();
        using var again = await session.PostFormAsync(path, "connect-imap", upperCase);

        again.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        again.Headers.Location!.OriginalString.ShouldEndWith($"{path}?done=imap-updated");
        var after = await App.InDatabaseAsync(db => db.ImapMailboxes.AsNoTracking().Where(m => m.OrganizationId == world.Backup).ToListAsync());
        after.Count.ShouldBe(1);
        after[0].Id.ShouldBe(before.Id);
        after[0].ProtectedPassword.ShouldNotBe(before.ProtectedPassword);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.ImapMailboxUpdated))).ShouldBe(1);
    }

    [Fact]
    public async Task ReadOnlyUser_SeesNoForm_AndAForgedPostIsRefused()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        var path = $"/organizations/{world.Backup}/credentials";
        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);

        var html = await session.GetHtmlAsync(path);
        html.ShouldNotContain("imap-host");
        html.ShouldNotContain("Connect mailbox");
        var token = await session.TokenFromAsync(path);
        using var forged = await session.PostFormAsync(path, "connect-imap", Form(mailbox, "connect"), token);

        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await App.InDatabaseAsync(db => db.ImapMailboxes.CountAsync(m => m.OrganizationId == world.Backup))).ShouldBe(0);
    }

    [Fact]
    public async Task ForeignOrganization_Answers404_AndNothingIsSaved()
    {
        var world = await TabWorld.CreateAsync(App, "Imap Partner", Password);
        var stranger = await TabWorld.CreateAsync(App, "Imap Stranger", Password);
        var mailbox = await TestImapUser.CreateAsync(messages: 0);
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var token = await session.TokenFromAsync($"/organizations/{world.Backup}/credentials");

        using var forged = await session.PostFormAsync($"/organizations/{stranger.Backup}/credentials", "connect-imap", Form(mailbox, "connect"), token);

        forged.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await App.InDatabaseAsync(db => db.ImapMailboxes.CountAsync(m => m.OrganizationId == stranger.Backup))).ShouldBe(0);
    }
}

public sealed class ImapCredentialsTests_Sqlite(SqliteHostFixture fixture) : ImapCredentialsTests<SqliteHostFixture>(fixture);

public sealed class ImapCredentialsTests_Postgres(PostgresHostFixture fixture) : ImapCredentialsTests<PostgresHostFixture>(fixture);
