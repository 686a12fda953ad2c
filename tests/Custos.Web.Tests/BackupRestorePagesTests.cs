using System.Net;
using System.Text;
using System.Text.Json;
using Custos.Data;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Restore;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// The partner's backup pages and downloads over plain HTTP: folders, messages with search and
/// paging, byte-exact .eml, zip and mbox parts, audit, tenant scope (404) and purge (410).
public abstract class BackupRestorePagesTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Password = "Restore-Pages-Password-1";

    private static readonly DateTimeOffset Day = new(2026, 2, 3, 10, 30, 0, TimeSpan.Zero);

    private CustosApp App => fixture.App;

    [Fact]
    public async Task ReadOnlyUser_ListsFoldersAndMessages_AndDownloadsEachMessageExactly_Audited()
    {
        var world = await TabWorld.CreateAsync(App, "Restore Partner", Password);
        var mailbox = Guid.NewGuid();
        var grusse = await SeedAsync(world.Backup, mailbox, "INBOX", "Grüße aus Köln 🎉", "Jörg <jorg@example.test>", Day, Mail("Grüße", "body\r\nFrom the start\r\n"));
        await SeedAsync(world.Backup, mailbox, "INBOX", "Invoice 100% <paid>", "billing@example.test", Day.AddDays(1), Mail("Invoice", "€ 10"));
        await SeedAsync(world.Backup, mailbox, "Sent/2026", "Reply", "me@example.test", Day.AddDays(2), Mail("Reply", "ok"));
        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);

        var folders = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}"));
        var inbox = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX"));
        var searched = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX&q={Uri.EscapeDataString("KÖLN")}"));
        var byDate = Html.Text(await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX&from=2026-02-04&to=2026-02-04"));
        using var download = await session.GetAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages/{grusse.Id}/eml");

        folders.ShouldContain("INBOX");
        folders.ShouldContain("Sent/2026");
        folders.ShouldContain("Disconnected mailbox");
        inbox.ShouldContain("Grüße aus Köln 🎉");
        inbox.ShouldContain("Invoice 100% <paid>");
        inbox.IndexOf("Invoice", StringComparison.Ordinal).ShouldBeLessThan(inbox.IndexOf("Grüße aus", StringComparison.Ordinal));
        inbox.ShouldNotContain("Reply");
        inbox.ShouldContain("Part 1 of 1 (zip)");
        inbox.ShouldContain("Part 1 of 1 (mbox)");
        searched.ShouldContain("Grüße aus Köln");
        searched.ShouldNotContain("Invoice 100%");
        byDate.ShouldContain("Invoice 100%");
        byDate.ShouldNotContain("Grüße aus Köln");

        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("message/rfc822");
        download.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe("2026-02-03 1030 Grüße aus Köln 🎉.eml");
        (await download.Content.ReadAsByteArrayAsync()).ShouldBe(grusse.Bytes);
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .Where(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupDownloaded).ToListAsync());
        var entry = audit.ShouldHaveSingleItem();
        entry.ActorName.ShouldContain(world.ReadOnly);
        using var json = JsonDocument.Parse(entry.After!);
        json.RootElement.GetProperty("bytes").GetInt64().ShouldBe(grusse.Bytes.Length);
        json.RootElement.GetProperty("messageId").GetGuid().ShouldBe(grusse.Id);
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("mbox")]
    public async Task FolderPart_FromTheMessagesPage_HoldsEveryMessageOfTheFolderExactly(string format)
    {
        var world = await TabWorld.CreateAsync(App, "Restore Archive Partner", Password);
        var mailbox = Guid.NewGuid();
        var sources = new List<byte[]>();
        for (var i = 0; i < 4; i++)
        {
            var raw = Mail($"Message {i}", $"From line {i}\r\n>From quoted\r\nÜnïcödé {i}\r\n");
            sources.Add(raw);
            await SeedAsync(world.Backup, mailbox, "Archive", $"Message {i}", "x@example.test", Day.AddHours(i), raw, Day.AddSeconds(i));
        }

        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);
        var html = await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=Archive");
        var link = Links(html).Single(l => l.Contains("/download?", StringComparison.Ordinal) && l.Contains($"format={format}", StringComparison.Ordinal));

        using var response = await session.GetAsync(link);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"Archive part 1 of 1.{format}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var restored = format == "zip" ? ArchiveReader.Unzip(bytes) : ArchiveReader.Unmbox(bytes);
        restored.Count.ShouldBe(sources.Count);
        for (var i = 0; i < sources.Count; i++)
        {
            restored[i].ShouldBe(sources[i]);
        }

        var entry = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(a => a.OrganizationId == world.Backup && a.EventType == AuditEventType.BackupDownloaded));
        using var json = JsonDocument.Parse(entry.After!);
        json.RootElement.GetProperty("bytes").GetInt64().ShouldBe(sources.Sum(s => s.Length));
        json.RootElement.GetProperty("messages").GetInt32().ShouldBe(sources.Count);
        (json.RootElement.GetProperty("part").GetInt32(), json.RootElement.GetProperty("parts").GetInt32()).ShouldBe((1, 1));
        json.RootElement.GetProperty("format").GetString().ShouldBe(format);
    }

    [Fact]
    public async Task AnotherPartner_GetsNotFound_ForPagesAndDownloads()
    {
        var world = await TabWorld.CreateAsync(App, "Restore Owner Partner", Password);
        var stranger = await TabWorld.CreateAsync(App, "Restore Stranger Partner", Password);
        var mailbox = Guid.NewGuid();
        var message = await SeedAsync(world.Backup, mailbox, "INBOX", "Private", "x@example.test", Day, Mail("Private", "secret words"));
        using var session = await PortalSession.SignInAsync(App, stranger.Owner, Password);
        var asOf = DateTimeOffset.MaxValue.UtcTicks - 1;

        string[] paths =
        [
            $"/organizations/{world.Backup}/backups/{mailbox}",
            $"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX",
            $"/organizations/{world.Backup}/backups/{mailbox}/messages/{message.Id}/eml",
            $"/organizations/{world.Backup}/backups/{mailbox}/download?folder=INBOX&format=zip&part=1&asOf={asOf}",
            // Their own organization with another organization's mailbox and message.
            $"/organizations/{stranger.Backup}/backups/{mailbox}/messages/{message.Id}/eml",
            $"/organizations/{stranger.Backup}/backups/{mailbox}/download?folder=INBOX&format=mbox&part=1&asOf={asOf}",
        ];
        foreach (var path in paths)
        {
            using var response = await session.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("secret words");
        }
    }

    [Theory]
    [InlineData("messages?folder=Nowhere", HttpStatusCode.NotFound)]
    [InlineData("messages", HttpStatusCode.NotFound)]
    [InlineData("messages?folder=INBOX&from=2026-13-45", HttpStatusCode.UnprocessableEntity)]
    [InlineData("messages?folder=INBOX&from=2026-03-01&to=2026-02-01", HttpStatusCode.UnprocessableEntity)]
    [InlineData("messages?folder=INBOX&after=garbage", HttpStatusCode.OK)]
    [InlineData("messages?folder=INBOX&q=%25%27%22%5C%F0%9F%8E%89", HttpStatusCode.OK)]
    [InlineData("download?folder=INBOX&format=rar&part=1&asOf=1", HttpStatusCode.NotFound)]
    [InlineData("download?folder=INBOX&format=zip&part=2&asOf=9000000000000000000", HttpStatusCode.NotFound)]
    [InlineData("download?folder=INBOX&format=zip&part=1&asOf=-5", HttpStatusCode.NotFound)]
    [InlineData("download?folder=INBOX&format=zip&part=1", HttpStatusCode.NotFound)]
    public async Task BadInput_IsAnsweredWithoutAServerError(string relative, HttpStatusCode expected)
    {
        var world = await TabWorld.CreateAsync(App, "Restore Input Partner", Password);
        var mailbox = Guid.NewGuid();
        await SeedAsync(world.Backup, mailbox, "INBOX", "Hello", "x@example.test", Day, Mail("Hello", "hi"));
        using var session = await PortalSession.SignInAsync(App, world.Owner, Password);

        using var response = await session.GetAsync($"/organizations/{world.Backup}/backups/{mailbox}/{relative}");

        response.StatusCode.ShouldBe(expected, string.Join(Environment.NewLine, App.Logs.AtLeast(LogLevel.Error)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PurgedOrganization_Answers410WithAClearPage_AndDownloadsLeadThere(bool deleted)
    {
        var world = await TabWorld.CreateAsync(App, "Restore Purge Partner", Password);
        var mailbox = Guid.NewGuid();
        var message = await SeedAsync(world.Backup, mailbox, "INBOX", "Gone soon", "x@example.test", Day, Mail("Gone", "soon"));
        using var session = await PortalSession.SignInAsync(App, world.ReadOnly, Password);
        var html = await session.GetHtmlAsync($"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX");
        var partLink = Links(html).First(l => l.Contains("/download?", StringComparison.Ordinal));

        await App.InScopeAsync(async sp =>
        {
            if (deleted)
            {
                var db = sp.GetRequiredService<AppDbContext>();
                var org = (await db.FindForChangeAsync(Scope.Everything, world.Backup, sp.GetRequiredService<TimeProvider>().GetUtcNow(), default))!;
                org.Delete(sp.GetRequiredService<TimeProvider>().GetUtcNow()).IsSuccess.ShouldBeTrue();
                await db.SaveChangesAsync();
            }

            await sp.GetRequiredService<IOrganizationDataPurger>().PurgeAsync(world.Backup, default);
        });

        foreach (var path in new[] { $"/organizations/{world.Backup}/backups/{mailbox}", $"/organizations/{world.Backup}/backups/{mailbox}/messages?folder=INBOX" })
        {
            using var page = await session.GetAsync(path);
            page.StatusCode.ShouldBe(HttpStatusCode.Gone, path);
            var text = Html.Text(await page.Content.ReadAsStringAsync());
            text.ShouldContain("This backup data is gone");
            text.ShouldContain("Download purge certificate");
            text.ShouldNotContain("Gone soon");
        }

        foreach (var path in new[] { $"/organizations/{world.Backup}/backups/{mailbox}/messages/{message.Id}/eml", partLink })
        {
            using var response = await session.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            response.Headers.Location!.OriginalString.ShouldBe($"/organizations/{world.Backup}/backups/{mailbox}");
        }
    }

    private Task<SeededRow> SeedAsync(Guid org, Guid mailbox, string folder, string subject, string from, DateTimeOffset date, byte[] bytes, DateTimeOffset? backedUpAt = null) =>
        App.InScopeAsync(async sp =>
        {
            using var stream = new MemoryStream(bytes);
            var stored = await sp.GetRequiredService<MessageStore>().PutAsync(org, stream, default);
            var db = sp.GetRequiredService<AppDbContext>();
            using var key = await sp.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, org, default);
            var row = new BackedUpMessage
            {
                Id = Guid.NewGuid(),
                OrganizationId = org,
                MailboxId = mailbox,
                Folder = folder,
                UidValidity = 7,
                Uid = Random.Shared.NextInt64(1, long.MaxValue),
                StoredMessageId = stored.Id,
                Date = date,
                LogicalBytes = bytes.Length,
                BackedUpAt = backedUpAt ?? Day,
            };
            row.SealedHeaders = MessageHeaders.Of(subject, from).Seal(key, row.Id);
            db.BackedUpMessages.Add(row);
            await db.SaveChangesAsync();
            return new SeededRow(row.Id, bytes);
        });

    private static byte[] Mail(string subject, string body) =>
        Encoding.UTF8.GetBytes($"From: sender@example.test\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");

    private static IEnumerable<string> Links(string html) =>
        System.Text.RegularExpressions.Regex.Matches(html, "href=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value));

    private sealed record SeededRow(Guid Id, byte[] Bytes);
}

public sealed class BackupRestorePagesTests_Sqlite(SqliteHostFixture fixture) : BackupRestorePagesTests<SqliteHostFixture>(fixture);

public sealed class BackupRestorePagesTests_Postgres(PostgresHostFixture fixture) : BackupRestorePagesTests<PostgresHostFixture>(fixture);
