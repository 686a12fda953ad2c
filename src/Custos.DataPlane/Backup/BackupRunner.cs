using Custos.Data;
using Custos.Data.Backup;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Custos.DataPlane.Backup;

public enum BackupRunOutcome
{
    /// The organization's status does not let backups run, or it has no mailbox: nothing was written.
    NotRun = 1,

    /// Another run of the organization holds a live lease.
    AlreadyRunning = 2,

    Succeeded = 3,

    /// At least one mailbox failed; <see cref="BackupRunResult.Error"/> says why.
    Failed = 4,

    /// The organization's status or the node shutting down stopped it after a commit.
    Stopped = 5,
}

/// What one call of <see cref="BackupRunner.RunAsync(Guid, CancellationToken)"/> did.
public sealed record BackupRunResult(BackupRunOutcome Outcome, Guid? RunId, int Messages, long Bytes, string? Error)
{
    public static BackupRunResult NotRun(string why) => new(BackupRunOutcome.NotRun, null, 0, 0, why);
}

/// Settings of backup runs (configuration section `Custos:Backup`).
public sealed class BackupRunOptions
{
    /// How long a run's node may go without a commit before the run counts as dead.
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(15);

    /// Names this node in <see cref="BackupRun.Node"/>.
    public string Node { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}

/// Backs up one organization: every IMAP mailbox in turn into its deduplicated, encrypted storage,
/// recording the run, its progress, the per-mailbox state, the sources' state (a wrong password
/// puts the source into error), the organization's usage and the day's totals. See README.md.
public sealed class BackupRunner(
    AppDbContext db,
    MessageStore store,
    OrganizationKeys keys,
    MailboxSync sync,
    ISecretProtector secrets,
    ISourceStateReports sources,
    BackupRunOptions options,
    TimeProvider clock,
    ILogger<BackupRunner> log)
{
    /// A scheduled run, first attempt.
    public Task<BackupRunResult> RunAsync(Guid organizationId, CancellationToken ct) =>
        RunAsync(organizationId, BackupTrigger.Scheduled, 1, ct);

    public async Task<BackupRunResult> RunAsync(Guid organizationId, BackupTrigger trigger, int attempt, CancellationToken ct)
    {
        var why = await WhyNotAsync(organizationId, ct);
        if (why is not null)
        {
            return BackupRunResult.NotRun(why);
        }

        var now = clock.GetUtcNow();
        if (await ReleaseDeadRunsAsync(organizationId, now, ct))
        {
            return new BackupRunResult(BackupRunOutcome.AlreadyRunning, null, 0, 0, "A backup of this organization is running.");
        }

        var mailboxes = await db.ImapMailboxes.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .ToListAsync(ct);
        if (mailboxes.Count == 0)
        {
            return BackupRunResult.NotRun("No mailbox is connected.");
        }

        var run = new BackupRun
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organizationId,
            Trigger = trigger,
            Attempt = Math.Max(1, attempt),
            State = BackupRunState.Running,
            StartedAt = now,
            Node = Cut(options.Node, BackupRun.MaxNodeLength),
            LeaseUntil = now + options.Lease,
            Mailboxes = mailboxes.Count,
        };
        db.BackupRuns.Add(run);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();

        // One connection for the whole run: the run asks the index a few questions per message, and
        // opening a connection for each (SQLite registers its functions on every open) cost more
        // than the question. Closed when the run is over, whatever its outcome.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await BackUpAsync(run, mailboxes, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await FinishAsync(run.Id, BackupRunState.Stopped, "The node running the backup shut down; the next run continues where it stopped.", CancellationToken.None);
            throw;
        }
        catch (OrganizationDataDestroyedException)
        {
            await FinishAsync(run.Id, BackupRunState.Stopped, "The organization's backup data was purged.", CancellationToken.None);
            return new BackupRunResult(BackupRunOutcome.Stopped, run.Id, 0, 0, "The organization's backup data was purged.");
        }
        catch (Exception error)
        {
            await FinishAsync(run.Id, BackupRunState.Failed, Cut("The backup failed unexpectedly: " + error.Message, BackupRun.MaxErrorLength), CancellationToken.None);
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// Null when the organization's status lets backups run now; otherwise why not.
    public async Task<string?> WhyNotAsync(Guid organizationId, CancellationToken ct)
    {
        var org = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => new { o.Status, o.PurgedAt, Keep = db.Partners.Where(p => p.Id == o.PartnerId).Select(p => p.KeepBackingUpSuspended).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        return org is null
            ? "The organization does not exist."
            : BackupSchedule.WhyNot(org.Status, org.PurgedAt is not null, org.Keep);
    }

    /// Marks runs whose node stopped renewing the lease as failed. True when a live run remains.
    private async Task<bool> ReleaseDeadRunsAsync(Guid organizationId, DateTimeOffset now, CancellationToken ct)
    {
        var running = await db.BackupRuns.Where(r => r.OrganizationId == organizationId && r.State == BackupRunState.Running).ToListAsync(ct);
        var live = false;
        foreach (var dead in running)
        {
            if (dead.LeaseUntil > now)
            {
                live = true;
                continue;
            }

            dead.State = BackupRunState.Failed;
            dead.FinishedAt = now;
            dead.LastError = Cut($"The node running the backup ({dead.Node}) stopped answering; the next run continued where it stopped.", BackupRun.MaxErrorLength);
        }

        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        return live;
    }

    private async Task<BackupRunResult> BackUpAsync(BackupRun run, List<ImapMailbox> mailboxes, CancellationToken ct)
    {
        var organizationId = run.OrganizationId;
        using var key = await keys.GetOrCreateAsync(db, organizationId, ct);
        var messages = 0;
        long bytes = 0;
        var stopped = false;
        var failures = new List<string>();
        var bySource = new Dictionary<Guid, List<(ImapMailbox Mailbox, SyncOutcome Outcome)>>();
        foreach (var mailbox in mailboxes)
        {
            var target = new DatabaseBackupTarget(
                db, store, key, mailbox.Id, clock,
                async (stats, token) =>
                {
                    messages += stats.Messages;
                    bytes += stats.LogicalBytes;
                    var lease = clock.GetUtcNow() + options.Lease;
                    await db.BackupRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(
                        s => s.SetProperty(r => r.Messages, r => r.Messages + stats.Messages)
                            .SetProperty(r => r.Bytes, r => r.Bytes + stats.LogicalBytes)
                            .SetProperty(r => r.StoredBytesAdded, r => r.StoredBytesAdded + stats.StoredBytesAdded)
                            .SetProperty(r => r.LeaseUntil, lease),
                        token);
                },
                async token => !token.IsCancellationRequested && await WhyNotAsync(organizationId, token) is null);

            var outcome = await sync.RunAsync(mailbox.Endpoint(secrets), target, ct);
            await RecordMailboxAsync(mailbox, outcome, ct);
            if (!bySource.TryGetValue(mailbox.CredentialSourceId, out var list))
            {
                bySource[mailbox.CredentialSourceId] = list = [];
            }

            list.Add((mailbox, outcome));
            await db.BackupRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.MailboxesDone, r => r.MailboxesDone + 1), ct);
            if (outcome.Failure is { } failure)
            {
                failures.Add(failure.Message);
            }

            if (outcome.Result == SyncResult.Stopped)
            {
                stopped = true;
                break;
            }
        }

        await ReportSourcesAsync(organizationId, bySource, ct);
        await RecordUsageAsync(run, ct);

        var state = stopped ? BackupRunState.Stopped : failures.Count > 0 ? BackupRunState.Failed : BackupRunState.Succeeded;
        var error = failures.Count > 0
            ? Cut(string.Join(" ", failures.Distinct(StringComparer.Ordinal)), BackupRun.MaxErrorLength)
            : stopped ? "Stopped: the organization's status no longer lets backups run." : null;
        await FinishAsync(run.Id, state, error, ct);
        log.LogInformation("Backup run {Run} of {Organization}: {State}, {Messages} messages, {Bytes} bytes", run.Id, organizationId, state, messages, bytes);
        var outcomeKind = state switch
        {
            BackupRunState.Succeeded => BackupRunOutcome.Succeeded,
            BackupRunState.Stopped => BackupRunOutcome.Stopped,
            _ => BackupRunOutcome.Failed,
        };
        return new BackupRunResult(outcomeKind, run.Id, messages, bytes, error);
    }

    private async Task RecordMailboxAsync(ImapMailbox mailbox, SyncOutcome outcome, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var state = await db.MailboxBackupStates.SingleOrDefaultAsync(s => s.MailboxId == mailbox.Id, ct);
        if (state is null)
        {
            state = new MailboxBackupState { MailboxId = mailbox.Id, OrganizationId = mailbox.OrganizationId };
            db.MailboxBackupStates.Add(state);
        }

        state.LastRunAt = now;
        if (outcome.Result == SyncResult.Completed)
        {
            state.LastSuccessAt = now;
            state.LastError = null;
        }
        else if (outcome.Failure is { } failure)
        {
            state.LastError = Cut(failure.Message, BackupRun.MaxErrorLength);
        }

        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// A wrong password puts the mailbox's source into error ("Need Authentication"); a source whose
    /// mailboxes all completed is healthy again. Sources the run did not finish are left as they were.
    private async Task ReportSourcesAsync(Guid organizationId, Dictionary<Guid, List<(ImapMailbox Mailbox, SyncOutcome Outcome)>> bySource, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var (sourceId, results) in bySource)
        {
            var source = await db.CredentialSources.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sourceId, ct);
            if (source is null)
            {
                continue;
            }

            var accounts = await db.ImapMailboxes.CountAsync(m => m.CredentialSourceId == sourceId, ct);
            var refused = results.FirstOrDefault(r => r.Outcome.Failure?.Kind == ImapFailureKind.AuthenticationFailed);
            SourceState state;
            string mailbox;
            if (refused.Mailbox is not null)
            {
                state = new SourceState(accounts, BackupStatus.Error, null, Cut(refused.Outcome.Failure!.Message, CredentialSource.MaxActionLength));
                mailbox = refused.Mailbox.UserName;
            }
            else if (results.All(r => r.Outcome.Result == SyncResult.Completed))
            {
                state = new SourceState(accounts, BackupStatus.Healthy, now, null);
                mailbox = string.Join(", ", results.Select(r => r.Mailbox.UserName));
            }
            else if (results.Any(r => r.Outcome.Result == SyncResult.Failed))
            {
                // Unreachable or timed out: backups still run, the next run tries again.
                state = new SourceState(accounts, source.Status == BackupStatus.Error ? BackupStatus.Error : BackupStatus.Warning, null, source.ActionNeeded);
                mailbox = string.Join(", ", results.Select(r => r.Mailbox.UserName));
            }
            else
            {
                continue;
            }

            var recorded = await sources.RecordAsync(organizationId, source.Kind, source.Label, state, mailbox, ct);
            db.ChangeTracker.Clear();
            if (recorded.Error is { } error)
            {
                log.LogWarning("Could not record the state of source {Source}: {Error}", sourceId, error.Message);
            }
        }
    }

    /// Seats in use (the login accounts backed up), stored and logical bytes, and the day's totals.
    private async Task RecordUsageAsync(BackupRun run, CancellationToken ct)
    {
        var organizationId = run.OrganizationId;
        var usage = await store.UsageAsync(organizationId, ct);
        var seats = await db.ImapMailboxes.Where(m => m.OrganizationId == organizationId).Select(m => m.LoginAccountId).Distinct().CountAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            var org = await db.Organizations.SingleAsync(o => o.Id == organizationId, ct);
            org.RecordUsage(seats, usage.StoredBytes, null, usage.LogicalBytes);
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Someone changed the organization meanwhile: read it again and record on top.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        var done = await db.BackupRuns.AsNoTracking().SingleAsync(r => r.Id == run.Id, ct);
        var startedAt = run.StartedAt;
        var newMessages = db.StoredMessages.Where(m => m.OrganizationId == organizationId && m.StoredAt >= startedAt);
        var attachmentsStored = await newMessages.SumAsync(m => m.AttachmentsStored, ct);
        var attachmentsDeduplicated = await newMessages.SumAsync(m => m.AttachmentsDeduplicated, ct);
        var day = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        for (var attempt = 0; ; attempt++)
        {
            var row = await db.BackupDailyUsage.SingleOrDefaultAsync(u => u.OrganizationId == organizationId && u.Day == day, ct);
            if (row is null)
            {
                row = new BackupDailyUsage { OrganizationId = organizationId, Day = day };
                db.BackupDailyUsage.Add(row);
            }

            row.Runs++;
            row.Messages += done.Messages;
            row.LogicalBytes += done.Bytes;
            row.StoredBytesAdded += done.StoredBytesAdded;
            row.AttachmentsStored += attachmentsStored;
            row.AttachmentsDeduplicated += attachmentsDeduplicated;
            try
            {
                await db.SaveChangesAsync(ct);
                break;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
                // Another node added the day's row first: add to theirs.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task FinishAsync(Guid runId, BackupRunState state, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await db.BackupRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.State, state)
                .SetProperty(r => r.FinishedAt, now)
                .SetProperty(r => r.LastError, error),
            ct);
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
