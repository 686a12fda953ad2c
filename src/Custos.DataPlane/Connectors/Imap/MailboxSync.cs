using Custos.Domain.Backup;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Logging;

namespace Custos.DataPlane.Connectors.Imap;

public enum SyncResult
{
    /// Every folder is backed up to what the server had when the run looked.
    Completed = 1,

    /// The target asked to stop; committed work stays, the next run continues.
    Stopped = 2,

    /// A failure that retrying did not get past (or that needs a person, like a wrong password).
    Failed = 3,
}

/// What one run did.
public sealed record SyncOutcome(SyncResult Result, int Messages, long Bytes, int Folders, ImapFailure? Failure)
{
    public bool IsSuccess => Result == SyncResult.Completed;
}

/// Incremental, read-only backup of one IMAP mailbox into an <see cref="IBackupTarget"/>.
///
/// Every folder is opened with EXAMINE and read with BODY.PEEK[] so nothing on the server changes
/// (no \Seen flag, no expunge). Messages are identified by (folder, UIDVALIDITY, UID): a run asks
/// only for UIDs above the folder's checkpoint, in batches; each batch is committed with the new
/// checkpoint before the next one, so a crash or a stop loses at most one batch's fetching, never
/// what was committed. A folder whose UIDNEXT and HIGHESTMODSEQ (CONDSTORE) are unchanged is skipped
/// without a search. A changed UIDVALIDITY means the server renumbered the folder: it is read again
/// from the start, and content deduplication in the store keeps that cheap. Messages deleted at the
/// source are never removed from the backup. Transient failures (a dropped connection, a timeout)
/// reconnect after <see cref="ImapOptions.RetryDelays"/> and continue from the last commit.
public sealed class MailboxSync(ImapConnector connector, TimeProvider clock, ILogger<MailboxSync> log)
{
    public async Task<SyncOutcome> RunAsync(ImapEndpoint endpoint, IBackupTarget target, CancellationToken ct)
    {
        var messages = 0;
        long bytes = 0;
        var folders = 0;
        var retries = connector.Options.RetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var progress = new Progress();
                var result = await RunOnceAsync(endpoint, target, progress, ct);
                messages += progress.Messages;
                bytes += progress.Bytes;
                folders = Math.Max(folders, progress.Folders);
                return new SyncOutcome(result, messages, bytes, folders, null);
            }
            catch (RunInterrupted interrupted)
            {
                messages += interrupted.Progress.Messages;
                bytes += interrupted.Progress.Bytes;
                folders = Math.Max(folders, interrupted.Progress.Folders);
                var failure = interrupted.Failure;
                if (!failure.IsTransient || attempt >= retries.Count || ct.IsCancellationRequested)
                {
                    log.LogWarning(interrupted.InnerException, "IMAP backup of {Mailbox} failed: {Message}", endpoint.Display, failure.Message);
                    return new SyncOutcome(SyncResult.Failed, messages, bytes, folders, failure);
                }

                log.LogInformation("IMAP backup of {Mailbox} interrupted ({Kind}); retrying in {Delay}", endpoint.Display, failure.Kind, retries[attempt]);
                await Task.Delay(retries[attempt], clock, ct);
            }
        }
    }

    private async Task<SyncResult> RunOnceAsync(ImapEndpoint endpoint, IBackupTarget target, Progress progress, CancellationToken ct)
    {
        ImapSession session;
        try
        {
            session = await connector.OpenAsync(endpoint, ct);
        }
        catch (ImapFailureException failure)
        {
            throw new RunInterrupted(failure.Failure, progress, failure);
        }

        await using (session)
        {
            try
            {
                var checkpoints = await target.LoadCheckpointsAsync(ct);
                var condStore = session.Client.Capabilities.HasFlag(ImapCapabilities.CondStore);
                foreach (var folder in await session.SelectableFoldersAsync(ct))
                {
                    progress.Folders++;
                    checkpoints.TryGetValue(folder.FullName, out var checkpoint);
                    if (await SyncFolderAsync(folder, checkpoint, condStore, target, progress, ct) == SyncVerdict.Stop)
                    {
                        return SyncResult.Stopped;
                    }
                }

                return SyncResult.Completed;
            }
            catch (Exception error) when (error is not RunInterrupted && !ct.IsCancellationRequested
                && ImapFailure.From(error, endpoint, connected: true) is { } failure)
            {
                // A message cut off in the middle reads as a protocol error; the closed connection says what it was.
                if (error is ImapProtocolException && !session.Client.IsConnected)
                {
                    failure = ImapFailure.ConnectionLost(endpoint);
                }

                throw new RunInterrupted(failure, progress, error);
            }
        }
    }

    private async Task<SyncVerdict> SyncFolderAsync(
        IMailFolder folder, FolderCheckpoint? checkpoint, bool condStore, IBackupTarget target, Progress progress, CancellationToken ct)
    {
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);
        try
        {
            var uidValidity = folder.UidValidity;
            var uidNext = folder.UidNext?.Id ?? 0;
            var modSeq = condStore ? folder.HighestModSeq : 0;
            if (checkpoint is not null && checkpoint.UidValidity != uidValidity)
            {
                log.LogInformation("Folder {Folder}: UIDVALIDITY changed from {Old} to {New}; reading it again", folder.FullName, checkpoint.UidValidity, uidValidity);
                checkpoint = null;
            }

            var lastUid = checkpoint?.LastUid ?? 0;
            if (checkpoint is not null && uidNext != 0 && checkpoint.UidNext == uidNext && (!condStore || checkpoint.HighestModSeq == modSeq))
            {
                return SyncVerdict.Continue;
            }

            // "n:*" always includes the highest UID even when it is below n, so filter again.
            var uids = folder.Count == 0
                ? []
                : (await folder.SearchAsync(SearchQuery.Uids(new UniqueIdRange(new UniqueId(uidValidity, lastUid + 1), UniqueId.MaxValue)), ct))
                    .Where(u => u.Id > lastUid)
                    .OrderBy(u => u.Id)
                    .ToList();

            var batchSize = Math.Max(1, connector.Options.BatchSize);
            for (var i = 0; i < uids.Count; i += batchSize)
            {
                var batch = uids.GetRange(i, Math.Min(batchSize, uids.Count - i));
                await ((ImapFolder)folder).GetStreamsAsync(batch, async (_, _, uid, stream, token) =>
                {
                    progress.Bytes += stream.CanSeek ? stream.Length : 0;
                    await target.StoreAsync(folder.FullName, uidValidity, uid.Id, stream, token);
                    progress.Messages++;
                }, ct);

                lastUid = batch[^1].Id;
                var finished = i + batchSize >= uids.Count;
                var verdict = await target.CommitAsync(
                    new FolderCheckpoint(folder.FullName, uidValidity, lastUid, finished ? uidNext : 0, finished ? modSeq : 0), ct);
                if (verdict == SyncVerdict.Stop)
                {
                    return SyncVerdict.Stop;
                }
            }

            if (uids.Count == 0)
            {
                // Nothing new: remember the folder's counters so the next run can skip it.
                return await target.CommitAsync(new FolderCheckpoint(folder.FullName, uidValidity, lastUid, uidNext, modSeq), ct);
            }

            return SyncVerdict.Continue;
        }
        finally
        {
            await CloseQuietlyAsync(folder);
        }
    }

    /// Closes without expunging. A broken connection cannot close anything; its error is the one reported.
    private static async Task CloseQuietlyAsync(IMailFolder folder)
    {
        try
        {
            if (folder.IsOpen)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await folder.CloseAsync(expunge: false, quick.Token);
            }
        }
        catch (Exception)
        {
            // The run's own error (if any) says what happened.
        }
    }

    private sealed class Progress
    {
        public int Messages { get; set; }

        public long Bytes { get; set; }

        public int Folders { get; set; }
    }

    private sealed class RunInterrupted(ImapFailure failure, Progress progress, Exception inner) : Exception(failure.Message, inner)
    {
        public ImapFailure Failure { get; } = failure;

        public Progress Progress { get; } = progress;
    }
}
