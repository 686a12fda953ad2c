using System.Text;
using System.Text.Json;
using Custos.Data;
using Custos.DataPlane.Restore;
using Custos.DataPlane.Tests.Infrastructure;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Tests.Restore;

public sealed class RestoreTests_Sqlite(SqliteStorageFixture fixture) : RestoreTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class RestoreTests_Postgres(PostgresStorageFixture fixture) : RestoreTests(fixture), IClassFixture<PostgresStorageFixture>;

/// Restore queries and downloads over a real database: listing, paging, search, byte-exact .eml,
/// zip and mbox parts under a size limit, tenant scope and purge.
public abstract class RestoreTests(StorageFixture fixture)
{
    private static readonly DateTimeOffset Day = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly RestoreWorld _world = new(fixture);

    private IServiceProvider Services => fixture.Services;

    [Fact]
    public async Task ListMailboxes_GivesCountsSizesAndLastBackup_PerMailbox()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var shared = RestoreWorld.Mail("Shared", "a@example.test", new string('x', 3000));
        await _world.SeedAsync(org, first, "INBOX", "Shared", "a@example.test", Day, shared, Day.AddDays(1));
        await _world.SeedAsync(org, first, "Archive", "Shared", "a@example.test", Day, shared, Day.AddDays(2));
        await _world.SeedAsync(org, first, "INBOX", "Other", "b@example.test", Day, RestoreWorld.Mail("Other", "b@example.test", "hi"), Day.AddDays(3));
        await _world.SeedAsync(org, second, "INBOX", "Alone", "c@example.test", null, RestoreWorld.Mail("Alone", "c@example.test", "yo"), Day.AddDays(4));

        var (mailboxes, folders) = await WithBrowserAsync(async (browser, backup) =>
            (await browser.ListMailboxesAsync(backup, default), await browser.ListFoldersAsync(backup, first, default)), partner, org);

        var one = mailboxes.Single(m => m.MailboxId == first);
        (one.Messages, one.LogicalBytes, one.LastBackedUpAt).ShouldBe((3, (2L * shared.Length) + RestoreWorld.Mail("Other", "b@example.test", "hi").Length, Day.AddDays(3)));
        one.StoredBytes.ShouldBeGreaterThan(0);
        one.UserName.ShouldBeNull();
        var two = mailboxes.Single(m => m.MailboxId == second);
        (two.Messages, two.LastBackedUpAt).ShouldBe((1, Day.AddDays(4)));
        mailboxes.Count.ShouldBe(2);
        folders.Select(f => (f.Name, f.Messages, f.LastBackedUpAt)).ShouldBe([("Archive", 1, Day.AddDays(2)), ("INBOX", 2, Day.AddDays(3))]);
    }

    [Fact]
    public async Task ListMessages_WalkingEveryPage_GivesEachMessageOnce_NewestFirst_TiesByIdDescending()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var seeded = new List<SeededMessage>();
        for (var i = 0; i < 23; i++)
        {
            // Ties on purpose (every third pair shares a date), and a few without a Date header.
            DateTimeOffset? date = i % 5 == 4 ? null : Day.AddHours(i / 2);
            seeded.Add(await _world.SeedAsync(org, mailbox, "INBOX", $"Message {i}", "x@example.test", date, RestoreWorld.Mail($"Message {i}", "x@example.test", $"{i}"), Day.AddHours(i)));
        }

        await _world.SeedAsync(org, mailbox, "Sent", "Elsewhere", "x@example.test", Day, RestoreWorld.Mail("Elsewhere", "x", "-"));

        var pages = new List<MessagePage>();
        MessageCursor? after = null;
        do
        {
            var page = await WithBrowserAsync((b, backup) => b.ListMessagesAsync(backup, mailbox, new MessageQuery("INBOX", After: after), 5, default), partner, org);
            pages.Add(page);
            after = page.Next;
        }
        while (after is not null && pages.Count < 20);

        pages.Count.ShouldBe(5);
        pages.Take(4).ShouldAllBe(p => p.Messages.Count == 5);
        var expected = seeded
            .OrderByDescending(m => m.Date ?? m.BackedUpAt)
            .ThenByDescending(m => m.Id.ToString(), StringComparer.Ordinal)
            .Select(m => m.Id);
        pages.SelectMany(p => p.Messages).Select(m => m.Id).ShouldBe(expected);
        var listed = pages.SelectMany(p => p.Messages).ToDictionary(m => m.Id);
        foreach (var message in seeded)
        {
            listed[message.Id].ShouldBe(new MessageSummary(message.Id, message.Subject, message.From, message.Date ?? message.BackedUpAt, message.Bytes.Length));
        }
    }

    [Theory]
    [InlineData("été", new[] { "Réunion d'ÉTÉ" })]
    [InlineData("ÉTÉ", new[] { "Réunion d'ÉTÉ" })]
    [InlineData("100%", new[] { "100% done" })]
    [InlineData("a_b", new[] { "file a_b.txt" })]
    [InlineData("o'brien", new[] { "From O'Brien" })]
    [InlineData("back\\slash", new[] { "back\\slash path" })]
    [InlineData("🎉", new[] { "Party 🎉" })]
    [InlineData("ПРИВЕТ", new[] { "привет мир" })]
    [InlineData("müller", new[] { "Sender search" })]
    [InlineData("MARIE@EXAMPLE", new[] { "Marie writes" })]
    [InlineData("%", new[] { "100% done" })]
    [InlineData("nothing like this", new string[0])]
    public async Task ListMessages_Search_MatchesSubjectOrSenderCaseInsensitively_AndTakesCharactersLiterally(string text, string[] subjects)
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        string[][] messages =
        [
            ["Réunion d'ÉTÉ", "team@example.test"],
            ["100% done", "ops@example.test"],
            ["100 percent", "ops@example.test"],
            ["file a_b.txt", "x@example.test"],
            ["file aXb.txt", "x@example.test"],
            ["From O'Brien", "x@example.test"],
            ["back\\slash path", "x@example.test"],
            ["Party 🎉", "x@example.test"],
            ["привет мир", "x@example.test"],
            ["Sender search", "Jörg Müller <jorg@example.test>"],
            ["Marie writes", "marie@example.test"],
        ];
        foreach (var (m, i) in messages.Select((m, i) => (m, i)))
        {
            await _world.SeedAsync(org, mailbox, "INBOX", m[0], m[1], Day.AddMinutes(i), RestoreWorld.Mail("s", "f", m[0]));
        }

        var page = await WithBrowserAsync((b, backup) => b.ListMessagesAsync(backup, mailbox, new MessageQuery("INBOX", text), 50, default), partner, org);

        page.Messages.Select(m => m.Subject).Order(StringComparer.Ordinal).ShouldBe(subjects.Order(StringComparer.Ordinal));
        page.Next.ShouldBeNull();
        page.Scanned.ShouldBe(messages.Length);
    }

    [Fact]
    public async Task ListMessages_SearchWithDateRange_PagesThroughTheMatchesOnly()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var matching = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            var subject = i % 3 == 0 ? $"Invoice {i}" : $"Newsletter {i}";
            var seeded = await _world.SeedAsync(org, mailbox, "INBOX", subject, "billing@example.test", Day.AddDays(i), RestoreWorld.Mail(subject, "b", "-"));
            if (i % 3 == 0 && i >= 6 && i < 27)
            {
                matching.Add(seeded.Id);
            }
        }

        var found = new List<MessageSummary>();
        MessageCursor? after = null;
        var pages = 0;
        do
        {
            var query = new MessageQuery("INBOX", "invoice", Day.AddDays(6), Day.AddDays(27), after);
            var page = await WithBrowserAsync((b, backup) => b.ListMessagesAsync(backup, mailbox, query, 3, default), partner, org);
            found.AddRange(page.Messages);
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 10);

        pages.ShouldBe(3);
        found.Select(m => m.Id).ShouldBe(Enumerable.Reverse(matching));
    }

    [Fact]
    public async Task Eml_OfEveryCorpusMessage_IsByteForByteTheBackedUpMessage()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var seeded = new List<SeededMessage>();
        foreach (var message in Corpus.All())
        {
            seeded.Add(await _world.SeedAsync(org, mailbox, "INBOX", message.Name, "corpus@example.test", Day, message.Bytes));
        }

        foreach (var message in seeded)
        {
            var (eml, bytes) = await WithDownloadsAsync(async (d, backup) =>
            {
                var found = (await d.FindEmlAsync(backup, mailbox, message.Id, default)).Value!;
                using var output = new MemoryStream();
                await found.CopyToAsync(output, default);
                return (found, output.ToArray());
            }, partner, org);

            bytes.ShouldBe(message.Bytes, message.Subject);
            eml.Length.ShouldBe(message.Bytes.Length);
            eml.FileName.ShouldEndWith(".eml");
            eml.FileName.ShouldNotContain("/");
        }
    }

    [Theory]
    [InlineData(ArchiveFormat.Zip)]
    [InlineData(ArchiveFormat.Mbox)]
    public async Task Archive_SplitBySizeLimit_GivesPartsWithinTheLimit_ThatReadBackToEveryMessageExactly(ArchiveFormat format)
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var sources = Corpus.All().Select(c => c.Bytes).Concat(
        [
            Encoding.UTF8.GetBytes("Subject: mbox quoting\r\n\r\nFrom here on\r\n>From quoted\r\n>>From twice\r\nFrom \n"),
            Encoding.UTF8.GetBytes("Subject: Ünïcödé 🎉\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße, 你好\r\n"),
        ]).ToList();
        var seeded = new List<SeededMessage>();
        for (var i = 0; i < sources.Count; i++)
        {
            // Same subject twice: the zip still holds two entries.
            seeded.Add(await _world.SeedAsync(org, mailbox, "Archive/2026", i % 7 == 0 ? "Same name" : $"Message {i} / {i}", "x@example.test", Day.AddMinutes(i), sources[i], Day.AddSeconds(i)));
        }

        await _world.SeedAsync(org, Guid.NewGuid(), "Archive/2026", "Other mailbox", "x", Day, RestoreWorld.Mail("o", "x", "other"));
        const long limit = 80_000;

        var (plan, parts) = await WithDownloadsAsync(async (d, backup) =>
        {
            var plan = (await d.PlanAsync(backup, mailbox, "Archive/2026", format, limit, null, default)).Value!;
            var parts = new List<byte[]>();
            foreach (var part in plan.Parts)
            {
                using var output = new MemoryStream();
                var written = await d.WritePartAsync(backup, plan, part.Number, output, default);
                written.Value.ShouldBe(output.Length);
                parts.Add(output.ToArray());
            }

            return (plan, parts);
        }, partner, org);

        plan.Parts.Count.ShouldBeGreaterThan(2);
        plan.Messages.ShouldBe(sources.Count);
        plan.Parts.Select(p => p.Number).ShouldBe(Enumerable.Range(1, plan.Parts.Count));
        for (var i = 0; i < parts.Count; i++)
        {
            ((long)parts[i].Length).ShouldBeLessThanOrEqualTo(limit);
            ((long)parts[i].Length).ShouldBeLessThanOrEqualTo(plan.Parts[i].MaxBytes);
        }

        var restored = parts.SelectMany(p => format == ArchiveFormat.Zip ? ArchiveReader.Unzip(p) : ArchiveReader.Unmbox(p)).ToList();
        restored.Count.ShouldBe(sources.Count);
        for (var i = 0; i < sources.Count; i++)
        {
            // mbox cannot tell a message without a final newline from one with it: it gains one.
            var expected = format == ArchiveFormat.Mbox && (sources[i].Length == 0 || sources[i][^1] != (byte)'\n') ? [.. sources[i], (byte)'\n'] : sources[i];
            restored[i].ShouldBe(expected, $"message {i}");
        }
    }

    [Fact]
    public async Task Archive_MessageLargerThanTheLimit_GetsAPartOfItsOwn_AndAPlanAsOfExcludesLaterBackups()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var big = Corpus.WithAttachment("big", Corpus.RandomBytes(40_000, 42));
        await _world.SeedAsync(org, mailbox, "INBOX", "small", "x", Day, RestoreWorld.Mail("s", "x", "small"), Day);
        await _world.SeedAsync(org, mailbox, "INBOX", "big", "x", Day, big, Day.AddSeconds(1));
        await _world.SeedAsync(org, mailbox, "INBOX", "later", "x", Day, RestoreWorld.Mail("l", "x", "later"), Day.AddSeconds(2));

        var plan = await WithDownloadsAsync(async (d, backup) =>
            (await d.PlanAsync(backup, mailbox, "INBOX", ArchiveFormat.Zip, 10_000, Day.AddSeconds(1), default)).Value!, partner, org);

        plan.Parts.Select(p => p.Messages).ShouldBe([1, 1]);
        plan.Parts[1].MaxBytes.ShouldBeGreaterThan(10_000);
        var second = await WithDownloadsAsync(async (d, backup) =>
        {
            using var output = new MemoryStream();
            (await d.WritePartAsync(backup, plan, 2, output, default)).IsSuccess.ShouldBeTrue();
            (await d.WritePartAsync(backup, plan, 3, Stream.Null, default)).Error.ShouldBeOfType<BackupNotFound>();
            return output.ToArray();
        }, partner, org);
        ArchiveReader.Unzip(second).Single().ShouldBe(big);
    }

    [Fact]
    public async Task Open_ForAnotherPartnersOrganization_IsNotFound_AndRowsOfAnotherOrganizationAreNeverReached()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var (other, otherOrg) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var theirs = await _world.SeedAsync(otherOrg, mailbox, "INBOX", "Theirs", "x", Day, RestoreWorld.Mail("t", "x", "theirs"));

        await using var scope = Services.CreateAsyncScope();
        var browser = scope.ServiceProvider.GetRequiredService<BackupBrowser>();
        var downloads = scope.ServiceProvider.GetRequiredService<BackupDownloads>();
        (await browser.OpenAsync(Scope.Partner(partner), otherOrg, default)).Error.ShouldBeOfType<BackupNotFound>();
        (await browser.OpenAsync(Scope.Partner(other), org, default)).Error.ShouldBeOfType<BackupNotFound>();
        (await browser.OpenAsync(Scope.Partner(partner), Guid.NewGuid(), default)).Error.ShouldBeOfType<BackupNotFound>();

        // Through one's own organization, the other's mailbox and message IDs lead nowhere.
        var own = (await browser.OpenAsync(Scope.Partner(partner), org, default)).Value!;
        (await browser.FindMailboxAsync(own, mailbox, default)).ShouldBeNull();
        (await browser.ListFoldersAsync(own, mailbox, default)).ShouldBeEmpty();
        (await browser.ListMessagesAsync(own, mailbox, new MessageQuery("INBOX"), 10, default)).Messages.ShouldBeEmpty();
        (await downloads.FindEmlAsync(own, mailbox, theirs.Id, default)).Error.ShouldBeOfType<BackupNotFound>();
        (await downloads.PlanAsync(own, mailbox, "INBOX", ArchiveFormat.Mbox, 1000, null, default)).Error.ShouldBeOfType<BackupNotFound>();
    }

    [Fact]
    public async Task Open_AfterThePurge_IsPurged_AndADownloadCaughtByThePurgeCannotRead()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var message = await _world.SeedAsync(org, mailbox, "INBOX", "Secret", "x", Day, RestoreWorld.Mail("Secret", "x", "secret"));
        await using var scope = Services.CreateAsyncScope();
        var browser = scope.ServiceProvider.GetRequiredService<BackupBrowser>();
        var downloads = scope.ServiceProvider.GetRequiredService<BackupDownloads>();
        var opened = (await browser.OpenAsync(Scope.Partner(partner), org, default)).Value!;
        var eml = (await downloads.FindEmlAsync(opened, mailbox, message.Id, default)).Value!;

        await Services.GetRequiredService<IOrganizationDataPurger>().PurgeAsync(org, default);

        (await browser.OpenAsync(Scope.Partner(partner), org, default)).Error.ShouldBeOfType<BackupPurged>();
        await Should.ThrowAsync<Custos.DataPlane.Storage.OrganizationDataDestroyedException>(() => eml.CopyToAsync(Stream.Null, default));
    }

    [Fact]
    public async Task Open_OfADeletedOrganization_IsPurged_EvenBeforeItsDataIsGone()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        await _world.SeedAsync(org, Guid.NewGuid(), "INBOX", "s", "x", Day, RestoreWorld.Mail("s", "x", "-"));
        await Services.InDatabaseAsync(async db =>
        {
            var organization = (await db.FindForChangeAsync(Scope.Everything, org, fixture.Clock.GetUtcNow(), default))!;
            organization.Delete(fixture.Clock.GetUtcNow()).IsSuccess.ShouldBeTrue();
            return await db.SaveChangesAsync();
        });

        var opened = await WithScopeAsync(sp => sp.GetRequiredService<BackupBrowser>().OpenAsync(Scope.Partner(partner), org, default));

        opened.Error.ShouldBeOfType<BackupPurged>();
    }

    [Fact]
    public async Task Record_WritesTheDownloadToTheAuditJournal_WithActorWhatAndSize()
    {
        var (partner, org) = await RestoreWorld.CreateOrganizationAsync(fixture);
        var mailbox = Guid.NewGuid();
        var actor = new Actor("user-1", "Reader <reader@example.test>");

        await WithDownloadsAsync(async (d, backup) =>
        {
            await d.RecordAsync(backup, actor, new DownloadRecord(mailbox, "INBOX", "zip", null, 2, 3, 40, 123_456), default);
            return 0;
        }, partner, org);

        var entry = await Services.InDatabaseAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == org && a.EventType == AuditEventType.BackupDownloaded));
        ((int)entry.EventType).ShouldBe(1450);
        (entry.ActorId, entry.ActorName, entry.PartnerId).ShouldBe((actor.Id, actor.Name, partner.Id));
        using var json = JsonDocument.Parse(entry.After!);
        json.RootElement.GetProperty("bytes").GetInt64().ShouldBe(123_456);
        json.RootElement.GetProperty("part").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("parts").GetInt32().ShouldBe(3);
        json.RootElement.GetProperty("folder").GetString().ShouldBe("INBOX");
    }

    [Theory]
    [InlineData("Quarterly report", "2026-03-01 0800 Quarterly report.eml")]
    [InlineData("", "2026-03-01 0800 (no subject).eml")]
    [InlineData("a/b\\c:d*e?f\"g<h>i|j\tk", "2026-03-01 0800 a_b_c_d_e_f_g_h_i_j_k.eml")]
    [InlineData("Ends with dots...", "2026-03-01 0800 Ends with dots.eml")]
    public void FileName_IsTheDateAndTheSubject_WithoutCharactersFileSystemsRefuse(string subject, string expected) =>
        BackupDownloads.FileName(subject, Day).ShouldBe(expected);

    [Fact]
    public void FileName_OfALongUnicodeSubject_IsCutToTheByteLimit_WithoutBreakingACharacter()
    {
        var name = BackupDownloads.FileName(string.Concat(Enumerable.Repeat("日本🎉", 60)), Day);

        Encoding.UTF8.GetByteCount(name).ShouldBeLessThanOrEqualTo(BackupDownloads.MaxNameBytes + 4);
        name.ShouldNotContain("\uFFFD");
        char.IsHighSurrogate(name[^5]).ShouldBeFalse();
    }

    private Task<T> WithBrowserAsync<T>(Func<BackupBrowser, OrganizationBackup, Task<T>> work, Domain.Partners.Partner partner, Guid org) =>
        WithScopeAsync(async sp =>
        {
            var browser = sp.GetRequiredService<BackupBrowser>();
            var backup = (await browser.OpenAsync(Scope.Partner(partner), org, default)).Value!;
            return await work(browser, backup);
        });

    private Task<T> WithDownloadsAsync<T>(Func<BackupDownloads, OrganizationBackup, Task<T>> work, Domain.Partners.Partner partner, Guid org) =>
        WithScopeAsync(async sp =>
        {
            var backup = (await sp.GetRequiredService<BackupBrowser>().OpenAsync(Scope.Partner(partner), org, default)).Value!;
            return await work(sp.GetRequiredService<BackupDownloads>(), backup);
        });

    private async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }
}
