using System.Net;
using System.Net.Sockets;
using Custos.DataPlane.Connectors.Imap;
using Custos.Domain.Backup;
using MailKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Custos.DataPlane.Tests.Imap;

/// Mailbox backup against the real Dovecot the test script starts.
public sealed class MailboxSyncTests
{
    private static MailboxSync Sync(out ImapConnector connector, int batchSize = 200, int retries = 1, TimeSpan? connectTimeout = null)
    {
        var options = new ImapOptions
        {
            BatchSize = batchSize,
            RetryDelays = Enumerable.Repeat(TimeSpan.FromMilliseconds(20), retries).ToList(),
            ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(20),
        };
        connector = new ImapConnector(options, new ImapHostGate(options));
        return new MailboxSync(connector, TimeProvider.System, NullLogger<MailboxSync>.Instance);
    }

    private static MailboxSync Sync(int batchSize = 200, int retries = 1) => Sync(out _, batchSize, retries);

    [Fact]
    public async Task FirstBackup_ReadsEveryFolderByteExact_AndChangesNothingOnTheServer()
    {
        var user = TestDovecot.CreateUser();
        var inbox = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(1), TestDovecot.Message(2), TestDovecot.Message(3, attachmentBytes: 20_000)]);
        var sent = await TestDovecot.AppendAsync(user, "Sent", [TestDovecot.Message(4), TestDovecot.Message(5)]);
        var nested = await TestDovecot.AppendAsync(user, "Projects.2026", [TestDovecot.Message(6, subject: "Naïve \"quoted\" =?subject?=")]);
        var target = new RecordingTarget();

        var outcome = await Sync().RunAsync(user, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Completed, outcome.Failure?.Message);
        outcome.Messages.ShouldBe(6);
        outcome.Bytes.ShouldBe(inbox.Concat(sent).Concat(nested).Sum(m => (long)m.Length));
        target.MessagesIn("INBOX").ShouldBe(inbox);
        target.MessagesIn("Sent").ShouldBe(sent);
        target.MessagesIn("Projects.2026").ShouldBe(nested);

        // Read-only: nothing became \Seen, nothing was expunged.
        using var client = await TestDovecot.ConnectAsync(user);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.UniqueId);
        summaries.Count.ShouldBe(3);
        summaries.ShouldAllBe(s => !s.Flags!.Value.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task MessagesLargerThanThePipelineCopies_AreStoredInUidOrderAmongTheOthers()
    {
        // Larger than what the fetch loop copies into a queue buffer: stored from MailKit's own
        // stream while the fetch waits, between the small ones before and after it.
        var user = TestDovecot.CreateUser();
        var attachment = (int)(MailboxSync.PipelinedMessageBytes * 3 / 4) + 1;
        var all = await TestDovecot.AppendAsync(user, "INBOX",
        [
            TestDovecot.Message(1), TestDovecot.Message(2, attachmentBytes: attachment), TestDovecot.Message(3),
            TestDovecot.Message(4, attachmentBytes: attachment), TestDovecot.Message(5),
        ]);
        all[1].Length.ShouldBeGreaterThan((int)MailboxSync.PipelinedMessageBytes);
        var target = new RecordingTarget();

        var outcome = await Sync(batchSize: 3).RunAsync(user, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Completed, outcome.Failure?.Message);
        outcome.Messages.ShouldBe(5);
        target.MessagesIn("INBOX").ShouldBe(all);
        target.Fetched.Select(f => f.Uid).ShouldBe(target.Fetched.Select(f => f.Uid).Order());
    }

    [Fact]
    public async Task NextRun_FetchesOnlyNewMessages_KeepsThoseDeletedAtTheSource_AndSkipsUnchangedFolders()
    {
        var user = TestDovecot.CreateUser();
        var first = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(1), TestDovecot.Message(2), TestDovecot.Message(3)]);
        await TestDovecot.AppendAsync(user, "Sent", [TestDovecot.Message(4)]);
        var target = new RecordingTarget();
        (await Sync().RunAsync(user, target, CancellationToken.None)).Messages.ShouldBe(4);

        // At the source: one message deleted and expunged, two new ones.
        using (var client = await TestDovecot.ConnectAsync(user))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var uids = await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.All);
            await client.Inbox.AddFlagsAsync(uids[0], MessageFlags.Deleted, silent: true);
            await client.Inbox.ExpungeAsync();
            await client.DisconnectAsync(true);
        }

        var added = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(5), TestDovecot.Message(6)]);
        var fetchedBefore = target.Fetched.Count;

        var second = await Sync().RunAsync(user, target, CancellationToken.None);

        second.Result.ShouldBe(SyncResult.Completed, second.Failure?.Message);
        second.Messages.ShouldBe(2);
        target.Fetched.Count.ShouldBe(fetchedBefore + 2);
        target.MessagesIn("INBOX").ShouldBe(first.Concat(added).ToList());

        var third = await Sync().RunAsync(user, target, CancellationToken.None);
        third.Result.ShouldBe(SyncResult.Completed);
        third.Messages.ShouldBe(0);
        target.Fetched.Count.ShouldBe(fetchedBefore + 2);
    }

    [Fact]
    public async Task NextRun_AsksFinishedFoldersWithOneStatus_OpensOnlyTheChangedOne()
    {
        var user = TestDovecot.CreateUser();
        var first = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(1), TestDovecot.Message(2)]);
        var sent = await TestDovecot.AppendAsync(user, "Sent", [TestDovecot.Message(3)]);
        var target = new RecordingTarget();
        (await Sync().RunAsync(user, target, CancellationToken.None)).Messages.ShouldBe(3);
        var added = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(4)]);
        await using var relay = new FlakyProxy(user.Host, user.Port, cutAfterBytes: long.MaxValue);

        var outcome = await Sync().RunAsync(user with { Port = relay.Port }, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Completed, outcome.Failure?.Message);
        outcome.Messages.ShouldBe(1);
        target.MessagesIn("INBOX").ShouldBe(first.Concat(added).ToList());
        target.MessagesIn("Sent").ShouldBe(sent);
        var commands = relay.ClientText;
        commands.ShouldMatch(@"STATUS ""?Sent""? \(");
        commands.ShouldNotMatch(@"(EXAMINE|SELECT) ""?Sent""?");
        commands.ShouldMatch(@"STATUS ""?INBOX""? \(");
        commands.ShouldMatch(@"EXAMINE ""?INBOX""?");
    }

    [Fact]
    public async Task UidValidityChange_ReadsTheFolderAgainUnderItsNewNumbers()
    {
        var user = TestDovecot.CreateUser();
        var before = await TestDovecot.AppendAsync(user, "Archive", [TestDovecot.Message(1), TestDovecot.Message(2)]);
        var target = new RecordingTarget();
        await Sync().RunAsync(user, target, CancellationToken.None);
        var oldValidity = target.Checkpoints["Archive"].UidValidity;

        // The folder is recreated (a server migration does the same): new UIDVALIDITY, UIDs from 1 again.
        using (var client = await TestDovecot.ConnectAsync(user))
        {
            var archive = await TestDovecot.OpenOrCreateAsync(client, "Archive");
            await archive.DeleteAsync();
            await client.DisconnectAsync(true);
        }

        var after = await TestDovecot.AppendAsync(user, "Archive", [TestDovecot.Message(1), TestDovecot.Message(2), TestDovecot.Message(3)]);

        var outcome = await Sync().RunAsync(user, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Completed, outcome.Failure?.Message);
        outcome.Messages.ShouldBe(3);
        var newValidity = target.Checkpoints["Archive"].UidValidity;
        newValidity.ShouldNotBe(oldValidity);
        target.Committed.Keys.Where(k => k.Folder == "Archive" && k.UidValidity == newValidity).Count().ShouldBe(3);
        target.Committed.Keys.Where(k => k.Folder == "Archive" && k.UidValidity == oldValidity).Count().ShouldBe(before.Count);
        target.Committed.Where(kv => kv.Key.UidValidity == newValidity).OrderBy(kv => kv.Key.Uid).Select(kv => kv.Value).ShouldBe(after);
    }

    [Fact]
    public async Task WrongPassword_FailsAtOnceWithTheActionNeeded_AndTheNextRunRecovers()
    {
        var user = TestDovecot.CreateUser();
        await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(1)]);
        var target = new RecordingTarget();
        var connector = default(ImapConnector);

        var failed = await Sync(out connector, retries: 3).RunAsync(user with { Password = "not-the-password" }, target, CancellationToken.None);

        failed.Result.ShouldBe(SyncResult.Failed);
        failed.Failure!.Kind.ShouldBe(ImapFailureKind.AuthenticationFailed);
        failed.Failure.Message.ShouldContain($"re-enter the password for {user.UserName}");
        failed.Failure.IsTransient.ShouldBeFalse();
        target.Commits.ShouldBe(0);

        var recovered = await Sync().RunAsync(user, target, CancellationToken.None);
        recovered.Result.ShouldBe(SyncResult.Completed, recovered.Failure?.Message);
        recovered.Messages.ShouldBe(1);
    }

    [Fact]
    public async Task StopAsked_MidRun_KeepsWhatWasCommitted_AndTheNextRunContinuesWithoutDuplicates()
    {
        var user = TestDovecot.CreateUser();
        var all = await TestDovecot.AppendAsync(user, "INBOX", Enumerable.Range(1, 5).Select(n => TestDovecot.Message(n)));
        var target = new RecordingTarget { StopAtCommit = 1 };

        var stopped = await Sync(batchSize: 2).RunAsync(user, target, CancellationToken.None);

        stopped.Result.ShouldBe(SyncResult.Stopped);
        target.Committed.Count.ShouldBe(2);
        target.Fetched.Count.ShouldBe(2);

        var resumed = await Sync(batchSize: 2).RunAsync(user, target, CancellationToken.None);

        resumed.Result.ShouldBe(SyncResult.Completed, resumed.Failure?.Message);
        resumed.Messages.ShouldBe(3);
        target.MessagesIn("INBOX").ShouldBe(all);
        target.Fetched.Count.ShouldBe(5);
    }

    [Fact]
    public async Task Crash_BeforeACommit_LosesNothing_AndTheNextRunDuplicatesNothing()
    {
        var user = TestDovecot.CreateUser();
        var all = await TestDovecot.AppendAsync(user, "INBOX", Enumerable.Range(1, 5).Select(n => TestDovecot.Message(n)));
        var target = new RecordingTarget { CrashAtCommit = 2 };

        await Should.ThrowAsync<SimulatedCrash>(() => Sync(batchSize: 2).RunAsync(user, target, CancellationToken.None));
        target.Committed.Count.ShouldBe(2);

        var resumed = await Sync(batchSize: 2).RunAsync(user, target, CancellationToken.None);

        resumed.Result.ShouldBe(SyncResult.Completed, resumed.Failure?.Message);
        target.MessagesIn("INBOX").ShouldBe(all);

        // The uncommitted batch was fetched twice (once before the crash); RecordingTarget throws on a second commit of a key.
        target.Fetched.Count.ShouldBe(7);
    }

    [Fact]
    public async Task ConnectionDroppedMidFetch_IsRetried_AndTheRunCompletesWithEveryMessageOnce()
    {
        var user = TestDovecot.CreateUser();
        var all = await TestDovecot.AppendAsync(user, "INBOX", Enumerable.Range(1, 6).Select(n => TestDovecot.Message(n, attachmentBytes: 30_000)));
        await using var proxy = new FlakyProxy(user.Host, user.Port, cutAfterBytes: 100_000);
        var target = new RecordingTarget();

        var outcome = await Sync(batchSize: 2, retries: 2).RunAsync(user with { Port = proxy.Port }, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Completed, outcome.Failure?.Message);
        proxy.Cuts.ShouldBe(1);
        proxy.Connections.ShouldBe(2);
        target.MessagesIn("INBOX").ShouldBe(all);
    }

    [Fact]
    public async Task ConnectionDroppedEveryTime_FailsWithAClearMessage_KeepingWhatWasCommitted()
    {
        var user = TestDovecot.CreateUser();
        await TestDovecot.AppendAsync(user, "INBOX", Enumerable.Range(1, 6).Select(n => TestDovecot.Message(n, attachmentBytes: 30_000)));
        await using var proxy = new FlakyProxy(user.Host, user.Port, cutAfterBytes: 100_000);
        var target = new RecordingTarget();

        var outcome = await Sync(batchSize: 2, retries: 0).RunAsync(user with { Port = proxy.Port }, target, CancellationToken.None);

        outcome.Result.ShouldBe(SyncResult.Failed);
        outcome.Failure!.Kind.ShouldBe(ImapFailureKind.ConnectionLost);
        outcome.Failure.Message.ShouldContain("continue where it stopped");
        target.Committed.Count.ShouldBe(target.Commits * 2);
    }

    [Fact]
    public async Task TestConnection_ReportsWhatItFound_OrPreciselyWhatIsWrong()
    {
        var user = TestDovecot.CreateUser();
        await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(1), TestDovecot.Message(2)]);
        await TestDovecot.AppendAsync(user, "Sent", [TestDovecot.Message(3)]);
        Sync(out var connector);
        Sync(out var impatient, connectTimeout: TimeSpan.FromSeconds(1));

        var ok = await connector.TestAsync(user, CancellationToken.None);
        ok.IsSuccess.ShouldBeTrue(ok.Failure?.Message);
        ok.Folders.ShouldBe(2);
        ok.Messages.ShouldBe(3);
        ok.SupportsCondStore.ShouldBeTrue();

        (await connector.TestAsync(user with { Password = "wrong" }, CancellationToken.None)).Failure!.Kind.ShouldBe(ImapFailureKind.AuthenticationFailed);
        (await connector.TestAsync(user with { Port = ClosedPort() }, CancellationToken.None)).Failure!.Kind.ShouldBe(ImapFailureKind.Unreachable);
        (await connector.TestAsync(user with { Security = ImapSecurity.SslOnConnect }, CancellationToken.None)).Failure!.Kind.ShouldBe(ImapFailureKind.TlsFailed);

        var noStartTls = await connector.TestAsync(user with { Security = ImapSecurity.StartTls }, CancellationToken.None);
        noStartTls.Failure!.Kind.ShouldBe(ImapFailureKind.TlsFailed);
        noStartTls.Failure.Message.ShouldContain("does not offer STARTTLS");

        // A server that accepts the connection and never greets.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var timedOut = await impatient.TestAsync(user with { Port = port }, CancellationToken.None);
        timedOut.Failure!.Kind.ShouldBe(ImapFailureKind.TimedOut);

        // The password never shows in what is displayed or logged.
        user.ToString().ShouldNotContain(user.Password);
    }

    [Fact]
    public async Task HostGate_HoldsConnectionsToOneHostToItsCap()
    {
        var gate = new ImapHostGate(new ImapOptions { MaxConnectionsPerHost = 2 });
        using var a = await gate.EnterAsync("imap.example.test", CancellationToken.None);
        using var b = await gate.EnterAsync("IMAP.example.test", CancellationToken.None);
        var third = gate.EnterAsync("imap.example.test", CancellationToken.None);
        using var other = await gate.EnterAsync("mail.other.test", CancellationToken.None);

        await Task.Delay(50);
        third.IsCompleted.ShouldBeFalse();
        gate.InUse("imap.example.test").ShouldBe(2);

        a.Dispose();
        using var c = await third.WaitAsync(TimeSpan.FromSeconds(5));
        gate.InUse("imap.example.test").ShouldBe(2);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
