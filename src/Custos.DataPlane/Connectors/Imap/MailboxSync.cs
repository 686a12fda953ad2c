using System.Buffers;
using System.Threading.Channels;
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
/// what was committed. A folder whose UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ (CONDSTORE) are those
/// of its checkpoint is skipped after one STATUS, without being opened. A changed UIDVALIDITY means the server renumbered the folder: it is read again
/// from the start, and content deduplication in the store keeps that cheap. Messages deleted at the
/// source are never removed from the backup. Transient failures (a dropped connection, a timeout)
/// reconnect after <see cref="ImapOptions.RetryDelays"/> and continue from the last commit.
public sealed class MailboxSync(ImapConnector connector, TimeProvider clock, ILogger<MailboxSync> log)
{
    /// Messages fetched and waiting to be stored, at most.
    public const int PipelineDepth = 16;

    /// Larger messages are not copied: the fetch waits while the storing task reads them from MailKit's stream.
    public const long PipelinedMessageBytes = 4 * 1024 * 1024;

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
        if (checkpoint is not null && checkpoint.UidNext != 0)
        {
            // One STATUS instead of EXAMINE and CLOSE: a folder whose counters are those of the last
            // finished run has nothing new and is not opened at all.
            await folder.StatusAsync(StatusItems.UidValidity | StatusItems.UidNext | (condStore ? StatusItems.HighestModSeq : StatusItems.None), ct);
            if (folder.UidValidity == checkpoint.UidValidity && folder.UidNext?.Id == checkpoint.UidNext
                && (!condStore || folder.HighestModSeq == checkpoint.HighestModSeq))
            {
                return SyncVerdict.Continue;
            }
        }

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
                await FetchAndStoreAsync((ImapFolder)folder, uidValidity, batch, target, progress, ct);

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

    /// Fetches a batch while the target stores the messages already fetched: the fetch loop hands
    /// each message to one storing task through a channel of <see cref="PipelineDepth"/> messages,
    /// so at most that many wait in memory, and the messages are stored one at a time in UID order.
    /// A message up to <see cref="PipelinedMessageBytes"/> is copied into a buffer rented from the
    /// shared pool (returned once it is stored), so fetching allocates no new array per message. A
    /// larger message (or one of unknown length) is not copied: it goes through the same queue as
    /// MailKit's own stream, and the fetch waits until the storing task has stored it, because
    /// MailKit reuses that stream once the callback returns. The first failure on either side stops
    /// both and is the one reported.
    private static async Task FetchAndStoreAsync(
        ImapFolder folder, uint uidValidity, IList<UniqueId> batch, IBackupTarget target, Progress progress, CancellationToken ct)
    {
        var queue = Channel.CreateBounded<Fetched>(
            new BoundedChannelOptions(PipelineDepth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var storing = Task.Run(async () =>
        {
            Fetched? current = null;
            try
            {
                await foreach (var message in queue.Reader.ReadAllAsync(stop.Token))
                {
                    current = message;
                    await target.StoreAsync(folder.FullName, uidValidity, message.Uid, message.Body, stop.Token);
                    message.Stored();
                    current = null;
                    progress.Messages++;
                }
            }
            catch (Exception error)
            {
                current?.Failed(error);
                await stop.CancelAsync();
                throw;
            }
            finally
            {
                // Whatever is still queued is dropped: return its buffers.
                current?.Release();
                while (queue.Reader.TryRead(out var left))
                {
                    left.Failed(new OperationCanceledException());
                    left.Release();
                }
            }
        }, CancellationToken.None);

        try
        {
            await folder.GetStreamsAsync(batch, async (_, _, uid, stream, token) =>
            {
                var length = stream.CanSeek ? stream.Length : -1;
                progress.Bytes += Math.Max(length, 0);
                if (length < 0 || length > PipelinedMessageBytes)
                {
                    // Too large to copy: the storing task reads MailKit's stream, in turn, while this waits.
                    var large = Fetched.Borrowed(uid.Id, stream);
                    await queue.Writer.WriteAsync(large, stop.Token);
                    await large.Done.WaitAsync(stop.Token);
                    return;
                }

                var message = await Fetched.CopyAsync(uid.Id, stream, (int)length, token);
                try
                {
                    await queue.Writer.WriteAsync(message, stop.Token);
                }
                catch
                {
                    message.Release();
                    throw;
                }
            }, stop.Token);
            queue.Writer.Complete();
        }
        catch (Exception) when (storing.IsFaulted || stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            queue.Writer.TryComplete();
            await storing; // throws the storing side's failure, which caused this one
            throw;
        }
        catch
        {
            queue.Writer.TryComplete();
            await stop.CancelAsync();
            try
            {
                await storing;
            }
            catch (Exception)
            {
                // The fetch failed first: its error is the one reported.
            }

            throw;
        }

        await storing;
    }

    /// One fetched message on its way to the storing task: a copy in a pooled buffer (returned
    /// once stored), or MailKit's own stream, borrowed until <see cref="Done"/> completes.
    private sealed class Fetched
    {
        private readonly TaskCompletionSource? _done;
        private byte[]? _rented;

        private Fetched(uint uid, Stream body, byte[]? rented, TaskCompletionSource? done)
        {
            Uid = uid;
            Body = body;
            _rented = rented;
            _done = done;
        }

        public uint Uid { get; }

        public Stream Body { get; }

        public Task Done => _done?.Task ?? Task.CompletedTask;

        public static Fetched Borrowed(uint uid, Stream stream) =>
            new(uid, stream, null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public static async Task<Fetched> CopyAsync(uint uid, Stream stream, int length, CancellationToken ct)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
            try
            {
                await stream.ReadExactlyAsync(buffer.AsMemory(0, length), ct);
                return new Fetched(uid, new MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true), buffer, null);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        public void Stored()
        {
            Release();
            _done?.TrySetResult();
        }

        public void Failed(Exception error) => _done?.TrySetException(error);

        public void Release()
        {
            if (_rented is { } rented)
            {
                _rented = null;
                ArrayPool<byte>.Shared.Return(rented);
            }
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
