using Custos.Data;
using Custos.Data.Backup;
using Custos.Data.Storage;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Utils;

namespace Custos.DataPlane.Backup;

/// What one commit added to the index.
public sealed record CommitStats(int Messages, long LogicalBytes, long StoredBytesAdded);

/// The backup store behind a mailbox sync: each message goes into a <see cref="StoreBatch"/> of the
/// organization's <see cref="MessageStore"/> at once (content is deduplicated and its records
/// written there), and becomes part of the backup only at the next commit, which fsyncs the batch's
/// records once and writes its stored-content rows, its <see cref="BackedUpMessage"/> rows and the
/// folder's <see cref="BackupCheckpoint"/> in one transaction. A message whose
/// (mailbox, folder, UIDVALIDITY, UID) row already exists (fetched again after a crash between
/// storing and committing) is not indexed twice. After each commit the run decides whether to go on
/// (the organization's status, the node shutting down).
public sealed class DatabaseBackupTarget(
    AppDbContext db,
    MessageStore store,
    DataKeyMaterial key,
    Guid mailboxId,
    TimeProvider clock,
    Func<CommitStats, CancellationToken, Task> onCommitted,
    Func<CancellationToken, Task<bool>> mayContinue) : IBackupTarget
{
    /// Header bytes kept from each message to read Subject, From and Date (the rest streams through).
    private const int HeaderPrefixBytes = 256 * 1024;

    private readonly Dictionary<(string Folder, long UidValidity, long Uid), Pending> _pending = [];
    private StoreBatch? _batch;

    /// Messages handed over but not yet committed.
    public int PendingCount => _pending.Count;

    public async Task<IReadOnlyDictionary<string, FolderCheckpoint>> LoadCheckpointsAsync(CancellationToken ct)
    {
        var rows = await db.BackupCheckpoints.AsNoTracking().Where(c => c.MailboxId == mailboxId).ToListAsync(ct);
        return rows.ToDictionary(
            c => c.Folder,
            c => new FolderCheckpoint(c.Folder, (uint)c.UidValidity, (uint)c.LastUid, (uint)c.UidNext, (ulong)c.HighestModSeq),
            StringComparer.Ordinal);
    }

    public async Task StoreAsync(string folder, uint uidValidity, uint uid, Stream raw, CancellationToken ct)
    {
        _batch ??= store.BeginBatch(key);
        StoredMessageRef stored;
        (string? Subject, string? From, DateTimeOffset? Date) headers;
        if (raw is MemoryStream memory && memory.TryGetBuffer(out var buffer))
        {
            // Already in memory (the fetch loop's copy): the store reads it in place, and the
            // headers are read from the same bytes, without a second copy.
            var at = (int)memory.Position;
            stored = await _batch.AddAsync(memory, ct);
            headers = ReadHeaders(buffer.Array!, buffer.Offset + at, Math.Min(buffer.Count - at, HeaderPrefixBytes));
        }
        else
        {
            using var tee = new PrefixCapture(raw, HeaderPrefixBytes);
            stored = await _batch.AddAsync(tee, ct);
            headers = tee.ReadHeaders();
        }

        _pending[(folder, uidValidity, uid)] = new Pending(stored, headers.Subject, headers.From, headers.Date);
    }

    public async Task<SyncVerdict> CommitAsync(FolderCheckpoint checkpoint, CancellationToken ct)
    {
        try
        {
            if (_batch is null)
            {
                await SaveAsync(checkpoint, ct);
            }
            else
            {
                await _batch.CommitAsync(token => SaveAsync(checkpoint, token), ct);
            }
        }
        finally
        {
            // Committed or not, this batch is over: what was not committed is fetched again next time.
            _batch?.Dispose();
            _batch = null;
            _pending.Clear();
        }

        return await mayContinue(ct) ? SyncVerdict.Continue : SyncVerdict.Stop;
    }

    private async Task SaveAsync(FolderCheckpoint checkpoint, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var stats = new CommitStats(0, 0, 0);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var group in _pending.GroupBy(p => (p.Key.Folder, p.Key.UidValidity)))
        {
            var (folder, validity) = group.Key;
            var uids = group.Select(p => p.Key.Uid).ToList();
            var existing = (await db.BackedUpMessages
                .Where(m => m.MailboxId == mailboxId && m.Folder == folder && m.UidValidity == validity && uids.Contains(m.Uid))
                .Select(m => m.Uid)
                .ToListAsync(ct)).ToHashSet();
            foreach (var (id, message) in group.Where(p => !existing.Contains(p.Key.Uid)).OrderBy(p => p.Key.Uid))
            {
                var rowId = Guid.CreateVersion7(now);
                db.BackedUpMessages.Add(new BackedUpMessage
                {
                    Id = rowId,
                    OrganizationId = key.OrganizationId,
                    MailboxId = mailboxId,
                    Folder = id.Folder,
                    UidValidity = id.UidValidity,
                    Uid = id.Uid,
                    StoredMessageId = message.Stored.Id,
                    SealedHeaders = MessageHeaders.Of(message.Subject, message.From).Seal(key, rowId),
                    Date = message.Date,
                    LogicalBytes = message.Stored.LogicalBytes,
                    BackedUpAt = now,
                });
                stats = new CommitStats(stats.Messages + 1, stats.LogicalBytes + message.Stored.LogicalBytes, stats.StoredBytesAdded + message.Stored.StoredBytesAdded);
            }
        }

        var row = await db.BackupCheckpoints.SingleOrDefaultAsync(c => c.MailboxId == mailboxId && c.Folder == checkpoint.Folder, ct);
        if (row is null)
        {
            row = new BackupCheckpoint { Id = Guid.CreateVersion7(now), OrganizationId = key.OrganizationId, MailboxId = mailboxId, Folder = checkpoint.Folder };
            db.BackupCheckpoints.Add(row);
        }

        row.UidValidity = checkpoint.UidValidity;
        row.LastUid = checkpoint.LastUid;
        row.UidNext = checkpoint.UidNext;
        row.HighestModSeq = (long)Math.Min(checkpoint.HighestModSeq, long.MaxValue);
        row.UpdatedAt = now;
        // Every row of the batch is new except the checkpoint: its changes are detected alone,
        // instead of comparing every tracked row with its snapshot.
        db.Entry(row).DetectChanges();
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await db.SaveChangesAsync(ct);
            await onCommitted(stats, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
            db.ChangeTracker.Clear();
        }
    }

    /// Subject, From and Date from the header block; a message whose headers do not parse is still
    /// backed up, with empty header facts.
    public static (string? Subject, string? From, DateTimeOffset? Date) ReadHeaders(byte[] prefix) =>
        ReadHeaders(prefix, 0, prefix.Length);

    /// <see cref="ReadHeaders(byte[])"/> of <paramref name="count"/> bytes from <paramref name="offset"/>.
    public static (string? Subject, string? From, DateTimeOffset? Date) ReadHeaders(byte[] buffer, int offset, int count)
    {
        try
        {
            using var stream = new MemoryStream(buffer, offset, count, writable: false);
            var headers = HeaderList.Load(stream);
            var subject = headers[HeaderId.Subject];
            var fromText = headers[HeaderId.From];
            var from = fromText is not null && InternetAddressList.TryParse(fromText, out var list) ? list.ToString() : fromText;
            DateTimeOffset? date = headers[HeaderId.Date] is { } dateText && DateUtils.TryParse(dateText, out var parsed) ? parsed.ToUniversalTime() : null;
            return (subject, from, date);
        }
        catch (FormatException)
        {
            return (null, null, null);
        }
    }

    private sealed record Pending(StoredMessageRef Stored, string? Subject, string? From, DateTimeOffset? Date);

    /// Passes a stream through and keeps a copy of its first bytes.
    private sealed class PrefixCapture(Stream inner, int limit) : Stream
    {
        private readonly MemoryStream _prefix = new();

        public (string? Subject, string? From, DateTimeOffset? Date) ReadHeaders() =>
            DatabaseBackupTarget.ReadHeaders(_prefix.GetBuffer(), 0, (int)_prefix.Length);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Keep(buffer.AsSpan(offset, n));
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Keep(buffer.Span[..n]);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _prefix.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Keep(ReadOnlySpan<byte> read)
        {
            var room = limit - (int)_prefix.Length;
            if (room > 0)
            {
                _prefix.Write(read[..Math.Min(room, read.Length)]);
            }
        }
    }
}
