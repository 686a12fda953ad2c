using System.Data.Common;
using Custos.ControlPlane.Backup;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Data.Backup;
using Custos.DataPlane.Backup;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Imap;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using MailKit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

/// Backup runs end to end: a real Dovecot, the real storage, index and checkpoints, on both engines.
public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Backup_FirstRun_RestoresEveryMessageByteExact_OneIndexRowEach_AndRecordsUsage()
    {
        var (orgId, user, mailboxId) = await OrgWithMailboxAsync(out var served, [TestDovecot.Message(1), TestDovecot.Message(2, attachmentBytes: 30_000)], ("Sent", [TestDovecot.Message(3)]));

        var result = await BackUpAsync(orgId);

        result.Outcome.ShouldBe(BackupRunOutcome.Succeeded, result.Error);
        result.Messages.ShouldBe(3);
        var rows = await RowsAsync(mailboxId);
        rows.Count.ShouldBe(3);
        rows.Select(r => (r.Folder, r.Uid)).Distinct().Count().ShouldBe(3);
        foreach (var (folder, raws) in served)
        {
            var inFolder = rows.Where(r => r.Folder == folder).OrderBy(r => r.Uid).ToList();
            inFolder.Count.ShouldBe(raws.Count);
            for (var i = 0; i < raws.Count; i++)
            {
                (await RestoreAsync(orgId, inFolder[i].StoredMessageId)).ShouldBe(raws[i]);
            }
        }

        // Subject and From are sealed with the organization's key; the date is in clear.
        var first = rows.Single(r => r.Folder == "INBOX" && r.Uid == rows.Where(x => x.Folder == "INBOX").Min(x => x.Uid));
        var headers = await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            using var key = await sp.GetRequiredService<OrganizationKeys>().FindAsync(db, orgId, default);
            return MessageHeaders.Open(key!, first.Id, first.SealedHeaders);
        });
        headers.Subject.ShouldBe("Message 1 — ünïcødé ✓");
        headers.From.ShouldContain("sender1@example.test");
        first.Date.ShouldBe(new DateTimeOffset(2026, 1, 1, 8, 1, 0, TimeSpan.Zero));

        var run = await ReadAsync(db => db.BackupRuns.AsNoTracking().SingleAsync(r => r.OrganizationId == orgId));
        run.State.ShouldBe(BackupRunState.Succeeded);
        run.Messages.ShouldBe(3);
        run.Bytes.ShouldBe(served.Sum(f => f.Raws.Sum(m => (long)m.Length)));
        run.FinishedAt.ShouldNotBeNull();
        run.MailboxesDone.ShouldBe(1);

        var org = await LoadAsync(orgId);
        var usage = await InScopeAsync(sp => sp.GetRequiredService<MessageStore>().UsageAsync(orgId, default));
        org.SeatsInUse.ShouldBe(1);
        org.StorageUsedBytes.ShouldBe(usage.StoredBytes);
        org.StorageUsedBytes.ShouldBeGreaterThan(0);
        org.StorageLogicalBytes.ShouldBe(run.Bytes, "logical bytes are the messages' size as the server served them");
        org.StorageLogicalBytes.ShouldBe(usage.LogicalBytes);
        var day = await ReadAsync(db => db.BackupDailyUsage.AsNoTracking().SingleAsync(u => u.OrganizationId == orgId));
        (day.Runs, day.Messages, day.LogicalBytes).ShouldBe((1, 3, run.Bytes));
        day.AttachmentsStored.ShouldBeGreaterThan(0);
        var state = await ReadAsync(db => db.MailboxBackupStates.AsNoTracking().SingleAsync(s => s.MailboxId == mailboxId));
        state.LastSuccessAt.ShouldBe(Clock.GetUtcNow());
        state.LastError.ShouldBeNull();
        var source = await ReadAsync(db => db.CredentialSources.AsNoTracking().SingleAsync(s => s.OrganizationId == orgId));
        source.Status.ShouldBe(BackupStatus.Healthy);
        source.LastBackupAt.ShouldBe(Clock.GetUtcNow());
        _ = user;
    }

    [Fact]
    public async Task Backup_NextRun_AddsOnlyNewMessages_AndKeepsThoseDeletedAtTheSource()
    {
        var (orgId, user, mailboxId) = await OrgWithMailboxAsync(out _, [TestDovecot.Message(1), TestDovecot.Message(2), TestDovecot.Message(3)]);
        (await BackUpAsync(orgId)).Messages.ShouldBe(3);

        using (var client = await TestDovecot.ConnectAsync(user))
        {
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var uids = await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.All);
            await client.Inbox.AddFlagsAsync(uids[0], MessageFlags.Deleted, silent: true);
            await client.Inbox.ExpungeAsync();
            await client.DisconnectAsync(true);
        }

        var added = await TestDovecot.AppendAsync(user, "INBOX", [TestDovecot.Message(4)]);
        var logicalAfterFirst = (await LoadAsync(orgId)).StorageLogicalBytes;
        logicalAfterFirst.ShouldBeGreaterThan(0);

        var second = await BackUpAsync(orgId);

        second.Outcome.ShouldBe(BackupRunOutcome.Succeeded, second.Error);
        second.Messages.ShouldBe(1);
        var rows = await RowsAsync(mailboxId);
        rows.Count.ShouldBe(4);
        (await RestoreAsync(orgId, rows.OrderBy(r => r.Uid).Last().StoredMessageId)).ShouldBe(added[0]);
        (await LoadAsync(orgId)).StorageLogicalBytes.ShouldBe(logicalAfterFirst + added[0].Length, "the message deleted at the source still counts");
        (await BackUpAsync(orgId)).Messages.ShouldBe(0);
        (await RowsAsync(mailboxId)).Count.ShouldBe(4);
        (await ReadAsync(db => db.BackupDailyUsage.AsNoTracking().SingleAsync(u => u.OrganizationId == orgId))).ShouldSatisfyAllConditions(
            d => d.Runs.ShouldBe(3),
            d => d.Messages.ShouldBe(4));
    }

    [Fact]
    public async Task Backup_UidValidityChange_ReadsTheFolderAgain_WithoutStoringItsContentTwice()
    {
        var (orgId, user, mailboxId) = await OrgWithMailboxAsync(out _, [], ("Archive", [TestDovecot.Message(1), TestDovecot.Message(2)]));
        await BackUpAsync(orgId);
        var stored = await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId));
        var oldValidity = (await RowsAsync(mailboxId)).Select(r => r.UidValidity).Distinct().Single();

        // Recreated folder with the same two messages as the server serves them, plus a new one.
        var before = await ReadAsync(db => db.BackedUpMessages.AsNoTracking().Where(m => m.MailboxId == mailboxId).OrderBy(m => m.Uid).ToListAsync());
        var originals = new List<byte[]>();
        foreach (var row in before)
        {
            originals.Add(await RestoreAsync(orgId, row.StoredMessageId));
        }

        using (var client = await TestDovecot.ConnectAsync(user))
        {
            await (await TestDovecot.OpenOrCreateAsync(client, "Archive")).DeleteAsync();
            await client.DisconnectAsync(true);
        }

        await TestDovecot.AppendAsync(user, "Archive", [.. originals, TestDovecot.Message(3)]);

        var result = await BackUpAsync(orgId);

        result.Outcome.ShouldBe(BackupRunOutcome.Succeeded, result.Error);
        var rows = await RowsAsync(mailboxId);
        rows.Count(r => r.UidValidity == oldValidity).ShouldBe(2);
        rows.Count(r => r.UidValidity != oldValidity).ShouldBe(3);
        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(stored + 1);
    }

    [Fact]
    public async Task Backup_WrongPassword_PutsTheSourceInError_UntilTheNextSuccessfulRun()
    {
        var (orgId, user, mailboxId) = await OrgWithMailboxAsync(out _, [TestDovecot.Message(1)]);
        await SetPasswordAsync(mailboxId, "not-the-password");

        var failed = await BackUpAsync(orgId);

        failed.Outcome.ShouldBe(BackupRunOutcome.Failed);
        failed.Error.ShouldNotBeNull().ShouldContain($"re-enter the password for {user.UserName}");
        var org = await LoadAsync(orgId);
        org.CredentialError.ShouldBeTrue();
        var source = await ReadAsync(db => db.CredentialSources.AsNoTracking().SingleAsync(s => s.OrganizationId == orgId));
        source.Status.ShouldBe(BackupStatus.Error);
        source.ActionNeeded.ShouldNotBeNull().ShouldContain($"re-enter the password for {user.UserName}");
        (await ReadAsync(db => db.MailboxBackupStates.AsNoTracking().SingleAsync(s => s.MailboxId == mailboxId))).LastError.ShouldNotBeNull();
        // One entry for the failure: the backup event naming the mailbox, not also a generic status change.
        var sourceEntries = (await AuditOfAsync(orgId)).Where(a => a.EventType is AuditEventType.CredentialSourceStatusChanged
            or AuditEventType.BackupSourceInError or AuditEventType.BackupSourceCleared).ToList();
        var inError = sourceEntries.ShouldHaveSingleItem();
        inError.EventType.ShouldBe(AuditEventType.BackupSourceInError);
        inError.ActorId.ShouldBe(Actor.System.Id);
        inError.After.ShouldNotBeNull().ShouldContain(user.UserName);
        inError.After.ShouldContain("\"status\":\"Error\"");
        inError.Before.ShouldNotBeNull().ShouldNotContain("\"status\":\"Error\"");
        (await ReadAsync(db => db.BackupRuns.AsNoTracking().SingleAsync(r => r.OrganizationId == orgId))).LastError.ShouldNotBeNull().ShouldContain("re-enter the password");

        // Someone re-enters the password; the next run clears the error.
        await SetPasswordAsync(mailboxId, user.Password);
        var fixedRun = await BackUpAsync(orgId);

        fixedRun.Outcome.ShouldBe(BackupRunOutcome.Succeeded, fixedRun.Error);
        (await LoadAsync(orgId)).CredentialError.ShouldBeFalse();
        (await ReadAsync(db => db.CredentialSources.AsNoTracking().SingleAsync(s => s.OrganizationId == orgId))).Status.ShouldBe(BackupStatus.Healthy);
        (await ReadAsync(db => db.MailboxBackupStates.AsNoTracking().SingleAsync(s => s.MailboxId == mailboxId))).LastError.ShouldBeNull();
        (await AuditOfAsync(orgId)).Where(a => a.EventType is AuditEventType.CredentialSourceStatusChanged
            or AuditEventType.BackupSourceInError or AuditEventType.BackupSourceCleared).Select(a => a.EventType)
            .ShouldBe([AuditEventType.BackupSourceInError, AuditEventType.BackupSourceCleared]);
    }

    [Fact]
    public async Task Backup_SuspendedMidRun_StopsAtTheNextCommit_AndResumesAfterReactivation()
    {
        var messages = Enumerable.Range(1, 6).Select(n => TestDovecot.Message(n)).ToList();
        var (orgId, _, mailboxId) = await OrgWithMailboxAsync(out _, messages);
        var commits = new CommitWatch();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(commits), SmallBatches());
        commits.AfterFirst = () => RunInScopeAsync(services, CommandKind.Suspend, Command(orgId));

        var stopped = await BackUpAsync(orgId, services);

        stopped.Outcome.ShouldBe(BackupRunOutcome.Stopped);
        (await RowsAsync(mailboxId)).Count.ShouldBe(2);
        var run = await ReadAsync(db => db.BackupRuns.AsNoTracking().SingleAsync(r => r.OrganizationId == orgId));
        (run.State, run.Messages).ShouldBe((BackupRunState.Stopped, 2));

        // Paused while suspended; the next run after reactivation continues without duplicates.
        (await BackUpAsync(orgId)).Outcome.ShouldBe(BackupRunOutcome.NotRun);
        (await RunAsync(CommandKind.Reactivate, Command(orgId))).ShouldBeNull();
        var resumed = await BackUpAsync(orgId, services);
        resumed.Outcome.ShouldBe(BackupRunOutcome.Succeeded, resumed.Error);
        resumed.Messages.ShouldBe(4);
        var rows = await RowsAsync(mailboxId);
        rows.Count.ShouldBe(6);
        rows.Select(r => r.Uid).Distinct().Count().ShouldBe(6);
        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(6);
    }

    [Fact]
    public async Task Backup_StatusDecidesAtDispatch_UnsubscribedNever_SuspendedOnlyWhenThePartnerKeepsThem()
    {
        var (orgId, _, mailboxId) = await OrgWithMailboxAsync(out _, [TestDovecot.Message(1)]);
        (await RunAsync(CommandKind.Suspend, Command(orgId))).ShouldBeNull();

        var paused = await BackUpAsync(orgId);
        paused.Outcome.ShouldBe(BackupRunOutcome.NotRun);
        paused.Error.ShouldNotBeNull().ShouldContain("suspended");

        await SetKeepBackingUpSuspendedAsync(true);
        try
        {
            (await BackUpAsync(orgId)).Outcome.ShouldBe(BackupRunOutcome.Succeeded);
            (await RowsAsync(mailboxId)).Count.ShouldBe(1);
        }
        finally
        {
            await SetKeepBackingUpSuspendedAsync(false);
        }

        (await RunAsync(CommandKind.Unsubscribe, Command(orgId))).ShouldBeNull();
        await SetKeepBackingUpSuspendedAsync(true);
        try
        {
            var unsubscribed = await BackUpAsync(orgId);
            unsubscribed.Outcome.ShouldBe(BackupRunOutcome.NotRun);
            unsubscribed.Error.ShouldNotBeNull().ShouldContain("unsubscribed");
        }
        finally
        {
            await SetKeepBackingUpSuspendedAsync(false);
        }

        (await ReadAsync(db => db.BackupRuns.CountAsync(r => r.OrganizationId == orgId))).ShouldBe(1);
    }

    [Fact]
    public async Task Backup_UnsubscribedMidRun_StopsAtTheNextCommit()
    {
        var (orgId, _, mailboxId) = await OrgWithMailboxAsync(out _, [.. Enumerable.Range(1, 5).Select(n => TestDovecot.Message(n))]);
        var commits = new CommitWatch();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(commits), SmallBatches());
        commits.AfterFirst = () => RunInScopeAsync(services, CommandKind.Unsubscribe, Command(orgId));

        (await BackUpAsync(orgId, services)).Outcome.ShouldBe(BackupRunOutcome.Stopped);

        (await RowsAsync(mailboxId)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Backup_NodeKilledBetweenCommits_NextRunResumesWithoutLossOrDuplicates()
    {
        var messages = Enumerable.Range(1, 7).Select(n => TestDovecot.Message(n, attachmentBytes: n % 2 == 0 ? 5_000 : 0)).ToList();
        var (orgId, _, mailboxId) = await OrgWithMailboxAsync(out var served, messages);
        using var kill = new CancellationTokenSource();
        var commits = new CommitWatch();
        await using (var services = fixture.BuildServices(o => o.AddInterceptors(commits), SmallBatches()))
        {
            commits.AfterFirst = () =>
            {
                kill.Cancel();
                return Task.FromResult<Domain.Error?>(null);
            };
            // The node shutting down: the commit answers Stop, the run ends as cancelled; what was committed stays.
            var cancelled = false;
            try
            {
                await BackUpAsync(orgId, services, kill.Token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }

            cancelled.ShouldBeTrue();
        }

        (await RowsAsync(mailboxId)).Count.ShouldBe(2);

        Clock.Advance(TimeSpan.FromMinutes(1));
        var resumed = await BackUpAsync(orgId);

        resumed.Outcome.ShouldBe(BackupRunOutcome.Succeeded, resumed.Error);
        var rows = await RowsAsync(mailboxId);
        rows.Count.ShouldBe(7);
        rows.Select(r => r.Uid).Distinct().Count().ShouldBe(7);
        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(7);
        var inbox = served.Single().Raws;
        var ordered = rows.OrderBy(r => r.Uid).ToList();
        for (var i = 0; i < inbox.Count; i++)
        {
            (await RestoreAsync(orgId, ordered[i].StoredMessageId)).ShouldBe(inbox[i]);
        }

        var runs = await ReadAsync(db => db.BackupRuns.AsNoTracking().Where(r => r.OrganizationId == orgId).OrderBy(r => r.StartedAt).ThenBy(r => r.Id).ToListAsync());
        runs.Select(r => r.State).ShouldBe([BackupRunState.Stopped, BackupRunState.Succeeded]);
    }

    [Fact]
    public async Task Backup_RunOfADeadNode_IsDetectedByItsLease_WhileALiveOneBlocksASecondRun()
    {
        var (orgId, _, _) = await OrgWithMailboxAsync(out _, [TestDovecot.Message(1)]);
        var now = Clock.GetUtcNow();
        var live = new BackupRun { Id = Guid.NewGuid(), OrganizationId = orgId, State = BackupRunState.Running, StartedAt = now, Node = "other:1", LeaseUntil = now.AddMinutes(5), Trigger = BackupTrigger.Scheduled };
        await ReadAsync(db =>
        {
            db.BackupRuns.Add(live);
            return db.SaveChangesAsync();
        });

        (await BackUpAsync(orgId)).Outcome.ShouldBe(BackupRunOutcome.AlreadyRunning);

        Clock.Advance(TimeSpan.FromMinutes(6));
        var result = await BackUpAsync(orgId);

        result.Outcome.ShouldBe(BackupRunOutcome.Succeeded, result.Error);
        var dead = await ReadAsync(db => db.BackupRuns.AsNoTracking().SingleAsync(r => r.Id == live.Id));
        dead.State.ShouldBe(BackupRunState.Failed);
        dead.LastError.ShouldNotBeNull().ShouldContain("other:1");
    }

    [Fact]
    public async Task Backup_MessageStoredAgainAfterACrashBeforeItsCommit_IsIndexedOnce()
    {
        var orgId = await CreateOrgAsync();
        var (_, _, mailboxId) = await AddMailboxAsync(orgId, out _, [TestDovecot.Message(1)]);
        var raw = TestDovecot.Message(42);
        var checkpoint = new FolderCheckpoint("INBOX", 7, 1, 2, 0);

        // First attempt: stored, then the node dies before the commit.
        await InScopeAsync(async sp =>
        {
            var target = await TargetAsync(sp, orgId, mailboxId);
            await target.StoreAsync("INBOX", 7, 1, new MemoryStream(raw), default);
            return target.PendingCount;
        });
        for (var i = 0; i < 2; i++)
        {
            await InScopeAsync(async sp =>
            {
                var target = await TargetAsync(sp, orgId, mailboxId);
                await target.StoreAsync("INBOX", 7, 1, new MemoryStream(raw), default);
                return await target.CommitAsync(checkpoint, default);
            });
        }

        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(1);
        var rows = await RowsAsync(mailboxId);
        rows.Count.ShouldBe(1);
        (await RestoreAsync(orgId, rows[0].StoredMessageId)).ShouldBe(raw);
        var saved = await ReadAsync(db => db.BackupCheckpoints.AsNoTracking().SingleAsync(c => c.MailboxId == mailboxId));
        (saved.Folder, saved.UidValidity, saved.LastUid, saved.UidNext).ShouldBe(("INBOX", 7L, 1L, 2L));
    }

    [Fact]
    public async Task Backup_BatchWhoseCommitFails_LeavesNoStoredContentOrRows_AndTheNextBatchStoresItOnce()
    {
        var orgId = await CreateOrgAsync();
        var (_, _, mailboxId) = await AddMailboxAsync(orgId, out _, [TestDovecot.Message(1)]);
        var raws = new[] { TestDovecot.Message(51), TestDovecot.Message(52) };
        var checkpoint = new FolderCheckpoint("INBOX", 9, 3, 4, 0);

        // The batch's records are written and fsynced, then its transaction fails (here: the run's
        // progress update throws): no stored content, no row, no checkpoint may remain.
        await Should.ThrowAsync<IOException>(() => InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var key = await sp.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, orgId, default);
            var target = new DatabaseBackupTarget(db, sp.GetRequiredService<MessageStore>(), key, mailboxId, Clock,
                (_, _) => throw new IOException("Simulated: the node lost its database connection."), _ => Task.FromResult(true));
            await target.StoreAsync("INBOX", 9, 1, new MemoryStream(raws[0]), default);
            await target.StoreAsync("INBOX", 9, 2, new MemoryStream(raws[1]), default);
            await target.StoreAsync("INBOX", 9, 3, new MemoryStream(raws[0]), default);
            return await target.CommitAsync(checkpoint, default);
        }));

        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(0);
        (await ReadAsync(db => db.StoredChunks.CountAsync(c => c.OrganizationId == orgId))).ShouldBe(0);
        (await RowsAsync(mailboxId)).ShouldBeEmpty();
        (await ReadAsync(db => db.BackupCheckpoints.CountAsync(c => c.MailboxId == mailboxId))).ShouldBe(0);

        await InScopeAsync(async sp =>
        {
            var target = await TargetAsync(sp, orgId, mailboxId);
            await target.StoreAsync("INBOX", 9, 1, new MemoryStream(raws[0]), default);
            await target.StoreAsync("INBOX", 9, 2, new MemoryStream(raws[1]), default);
            await target.StoreAsync("INBOX", 9, 3, new MemoryStream(raws[0]), default);
            return await target.CommitAsync(checkpoint, default);
        });

        (await ReadAsync(db => db.StoredMessages.CountAsync(m => m.OrganizationId == orgId))).ShouldBe(2);
        var rows = (await RowsAsync(mailboxId)).OrderBy(r => r.Uid).ToList();
        rows.Select(r => r.Uid).ShouldBe([1L, 2L, 3L]);
        rows[2].StoredMessageId.ShouldBe(rows[0].StoredMessageId);
        (await RestoreAsync(orgId, rows[0].StoredMessageId)).ShouldBe(raws[0]);
        (await RestoreAsync(orgId, rows[1].StoredMessageId)).ShouldBe(raws[1]);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private async Task<Domain.Error?> RunInScopeAsync(IServiceProvider services, CommandKind kind, OrganizationCommand command)
    {
        await using var scope = services.CreateAsyncScope();
        return await RunInAsync(scope.ServiceProvider, kind, command);
    }

    private static ImapOptions SmallBatches() => new() { BatchSize = 2, RetryDelays = [], ConnectTimeout = TimeSpan.FromSeconds(10), CommandTimeout = TimeSpan.FromSeconds(20) };

    private async Task<DatabaseBackupTarget> TargetAsync(IServiceProvider sp, Guid orgId, Guid mailboxId)
    {
        var db = sp.GetRequiredService<AppDbContext>();
        var key = await sp.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, orgId, default);
        return new DatabaseBackupTarget(db, sp.GetRequiredService<MessageStore>(), key, mailboxId, Clock, (_, _) => Task.CompletedTask, _ => Task.FromResult(true));
    }

    private Task<(Guid OrgId, Domain.Backup.ImapEndpoint User, Guid MailboxId)> OrgWithMailboxAsync(
        out List<(string Folder, List<byte[]> Raws)> served, List<byte[]> inbox, params (string Folder, List<byte[]> Raws)[] more)
    {
        var result = CreateOrgThenMailboxAsync(inbox, more);
        served = result.Served;
        return result.Task;
    }

    private (Task<(Guid, Domain.Backup.ImapEndpoint, Guid)> Task, List<(string Folder, List<byte[]> Raws)> Served) CreateOrgThenMailboxAsync(
        List<byte[]> inbox, (string Folder, List<byte[]> Raws)[] more)
    {
        var served = new List<(string Folder, List<byte[]> Raws)>();
        async Task<(Guid, Domain.Backup.ImapEndpoint, Guid)> Go()
        {
            var orgId = await CreateOrgAsync();
            var (_, user, mailboxId) = await AddMailboxAsync(orgId, served, inbox, more);
            return (orgId, user, mailboxId);
        }

        return (Go(), served);
    }

    private Task<(Guid OrgId, Domain.Backup.ImapEndpoint User, Guid MailboxId)> AddMailboxAsync(Guid orgId, out List<(string Folder, List<byte[]> Raws)> served, List<byte[]> inbox)
    {
        served = [];
        return AddMailboxAsync(orgId, served, inbox, []);
    }

    /// A Dovecot user with the messages in its folders, connected to the organization like the Credentials tab does.
    private async Task<(Guid OrgId, Domain.Backup.ImapEndpoint User, Guid MailboxId)> AddMailboxAsync(
        Guid orgId, List<(string Folder, List<byte[]> Raws)> served, List<byte[]> inbox, (string Folder, List<byte[]> Raws)[] more)
    {
        var user = TestDovecot.CreateUser();
        if (inbox.Count > 0)
        {
            served.Add(("INBOX", await TestDovecot.AppendAsync(user, "INBOX", inbox)));
        }
        else
        {
            (await TestDovecot.ConnectAsync(user)).Dispose();
        }

        foreach (var (folder, raws) in more)
        {
            served.Add((folder, await TestDovecot.AppendAsync(user, folder, raws)));
        }

        var connected = await UseAsync<ConnectImapMailbox, Domain.Result<ImapMailboxConnection>>(
            u => u.HandleAsync(new ConnectImapMailboxRequest(Acting, Ann, orgId, user), default));
        return (orgId, user, connected.ShouldSucceed().MailboxId);
    }

    private Task<BackupRunResult> BackUpAsync(Guid orgId, IServiceProvider? services = null, CancellationToken ct = default) =>
        BackUpInAsync(services ?? fixture.Services, orgId, ct);

    private static async Task<BackupRunResult> BackUpInAsync(IServiceProvider services, Guid orgId, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BackupRunner>().RunAsync(orgId, ct);
    }

    private Task<List<Data.Storage.BackedUpMessage>> RowsAsync(Guid mailboxId) =>
        ReadAsync(db => db.BackedUpMessages.AsNoTracking().Where(m => m.MailboxId == mailboxId).ToListAsync());

    private Task<byte[]> RestoreAsync(Guid orgId, Guid storedMessageId) =>
        InScopeAsync(async sp =>
        {
            using var output = new MemoryStream();
            (await sp.GetRequiredService<MessageStore>().CopyToAsync(orgId, storedMessageId, output, default)).ShouldBeTrue();
            return output.ToArray();
        });

    private Task SetPasswordAsync(Guid mailboxId, string password) =>
        InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var mailbox = await db.ImapMailboxes.SingleAsync(m => m.Id == mailboxId);
            var org = await db.Organizations.SingleAsync(o => o.Id == mailbox.OrganizationId);
            var secrets = sp.GetRequiredService<ISecretProtector>();
            var endpoint = mailbox.Endpoint(secrets) with { Password = password };
            mailbox.Update(org, endpoint, secrets.Protect(password), Clock.GetUtcNow()).ShouldSucceed();
            return await db.SaveChangesAsync();
        });

    private Task SetKeepBackingUpSuspendedAsync(bool keep) =>
        ReadAsync(async db =>
        {
            var partner = await db.Partners.SingleAsync(p => p.Id == Seed.Partner.Id);
            partner.SetKeepBackingUpSuspended(keep);
            return await db.SaveChangesAsync();
        });

    /// Calls <see cref="AfterFirst"/> once, right after the first backup commit (a checkpoint saved
    /// and its transaction committed), the moment a suspend or a crash between commits happens.
    private sealed class CommitWatch : DbTransactionInterceptor, ISaveChangesInterceptor
    {
        private int _checkpointSaved;
        private int _fired;

        public Func<Task<Domain.Error?>>? AfterFirst { get; set; }

        public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (eventData.Context!.ChangeTracker.Entries<BackupCheckpoint>().Any())
            {
                Interlocked.Exchange(ref _checkpointSaved, 1);
            }

            return ValueTask.FromResult(result);
        }

        public override async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (Volatile.Read(ref _checkpointSaved) == 1 && Interlocked.Exchange(ref _fired, 1) == 0 && AfterFirst is { } after)
            {
                (await after()).ShouldBeNull();
            }
        }
    }
}
