using Custos.Data;
using Custos.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Storage;

/// Messages stored together and made durable together: <see cref="AddAsync"/> writes each message's
/// records to the organization's packs (deduplicated against the index and against the batch so far)
/// and keeps its index rows in memory; <see cref="CommitAsync"/> fsyncs the packs once and hands the
/// rows to the caller's <see cref="AppDbContext"/>, to be saved in the caller's transaction together
/// with whatever else belongs to the batch (a backup's rows and checkpoint). Until that commit the
/// batch's messages do not exist: a crash leaves unreferenced records, never an index row pointing
/// at nothing. See README.md beside this file.
///
/// The pack writer (the organization's one-writer lock) is taken for each message and again for the
/// commit, never held between calls, so a batch abandoned without a commit holds nothing.
public sealed class StoreBatch : IDisposable
{
    private readonly AppDbContext _db;
    private readonly IBlobStore _blobs;
    private readonly OrganizationKeys _keys;
    private readonly DataKeyMaterial _material;
    private readonly StorageOptions _options;
    private readonly TimeProvider _clock;
    private readonly ChunkScratch _scratch;
    private readonly MemoryStream _spool = new();
    private readonly List<StoredChunk> _chunks = [];
    private readonly Dictionary<string, StoredMessage> _messages = new(StringComparer.Ordinal);
    private readonly HashSet<string> _blobsWritten = new(StringComparer.Ordinal);
    private bool _written;

    internal StoreBatch(AppDbContext db, IBlobStore blobs, OrganizationKeys keys, DataKeyMaterial material, StorageOptions options, TimeProvider clock)
    {
        _db = db;
        _blobs = blobs;
        _keys = keys;
        _material = material;
        _options = options;
        _clock = clock;
        _scratch = new ChunkScratch(options);
    }

    public Guid OrganizationId => _material.OrganizationId;

    /// Messages of this batch not yet staged (exact duplicates of stored content not counted).
    public int NewMessages => _messages.Count;

    /// Stores one message in the batch. The reference is valid once the batch is committed.
    public async Task<StoredMessageRef> AddAsync(Stream rawRfc822, CancellationToken ct)
    {
        // Spool once: MimeKit needs a seekable stream, and the content hash decides about
        // duplicates before anything is written. Small messages stay in memory.
        await using var raw = await SpoolAsync(rawRfc822, ct);
        var rawHash = raw.Hash;
        var contentHash = Convert.ToHexStringLower(rawHash);
        if (_messages.TryGetValue(contentHash, out var inBatch))
        {
            return Duplicate(inBatch);
        }

        if (await FindAsync(contentHash, ct) is { } known)
        {
            return Duplicate(known);
        }

        var parts = await MimeSplicer.SpliceAsync(raw.Stream, _material, _options, ct);
        try
        {
            await using var writer = await OpenWriterAsync(ct);
            var chunks = new List<StoredChunk>();
            int stored = 0, reused = 0;
            // Added to the batch's set only once the message is complete: a message that fails half
            // way must not make a later one skip a part whose rows were never kept.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var part in parts)
            {
                var blobId = part.BlobId;
                var hex = Convert.ToHexString(blobId);
                if (_blobsWritten.Contains(hex) || !seen.Add(hex))
                {
                    reused++;
                    continue;
                }

                if (await ChunkExists.For(_db)(_db, _material.OrganizationId, blobId, ct))
                {
                    reused++;
                    continue;
                }

                var blob = new ChunkedBlobWriter(_material, writer, blobId, _scratch);
                await blob.CopyFromAsync(part.Decoded, 0, part.Decoded.Length, ct);
                chunks.AddRange(await blob.CompleteAsync(ct));
                stored++;
            }

            byte[] skeletonId;
            using (var hash = _material.CreateIdHash(BlobKind.Skeleton))
            {
                hash.AppendData(rawHash);
                skeletonId = hash.GetHashAndReset();
            }

            var skeleton = new ChunkedBlobWriter(_material, writer, skeletonId, _scratch);
            await Skeleton.WriteAsync(skeleton, raw.Stream, parts, ct);
            chunks.AddRange(await skeleton.CompleteAsync(ct));

            var now = _clock.GetUtcNow();
            var message = new StoredMessage
            {
                Id = Guid.CreateVersion7(now),
                OrganizationId = _material.OrganizationId,
                ContentHash = contentHash,
                BlobId = skeletonId,
                LogicalBytes = raw.Stream.Length,
                StoredBytesAdded = chunks.Sum(c => (long)c.Length + LocalBlobStore.RecordOverhead),
                AttachmentsStored = stored,
                AttachmentsDeduplicated = reused,
                StoredAt = now,
            };
            _chunks.AddRange(chunks);
            _blobsWritten.UnionWith(seen);
            _messages[contentHash] = message;
            _written = true;
            return new StoredMessageRef(message.Id, contentHash, message.LogicalBytes, message.StoredBytesAdded, AlreadyStored: false);
        }
        finally
        {
            foreach (var part in parts)
            {
                await part.DisposeAsync();
            }
        }
    }

    /// Commits the batch: takes the organization's writer, checks its key still exists, makes every
    /// record of the batch durable (one fsync), adds the batch's index rows to the context and runs
    /// <paramref name="save"/> (which saves them in one transaction with the caller's rows) while
    /// still holding the writer, so a purge cannot delete the packs between the check and the commit.
    /// The batch is empty afterwards, whether <paramref name="save"/> succeeded or not.
    public async Task CommitAsync(Func<CancellationToken, Task> save, CancellationToken ct)
    {
        try
        {
            if (!_written)
            {
                await save(ct);
                return;
            }

            await using var writer = await OpenWriterAsync(ct);

            // Crash safety: the records are durable before any index row points at them. A crash
            // before the commit leaves unreferenced records, which nothing ever reads.
            await writer.FlushAsync(ct);
            _db.StoredChunks.AddRange(_chunks);
            _db.StoredMessages.AddRange(_messages.Values);
            await save(ct);
        }
        finally
        {
            Clear();
        }
    }

    public void Dispose()
    {
        _scratch.Dispose();
        _spool.Dispose();
    }

    private void Clear()
    {
        _chunks.Clear();
        _messages.Clear();
        _blobsWritten.Clear();
        _written = false;
    }

    /// The organization's writer, after checking under its lock that the key still exists: a purge
    /// destroys the key before it takes this lock to delete the packs, so nothing is written (or
    /// committed) for an organization being purged.
    private async Task<IPackWriter> OpenWriterAsync(CancellationToken ct)
    {
        var writer = await _blobs.OpenWriterAsync(_material.OrganizationId, ct);
        try
        {
            if (!await _keys.ExistsAsync(_db, _material.OrganizationId, ct))
            {
                throw new OrganizationDataDestroyedException(_material.OrganizationId);
            }

            return writer;
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }
    }

    private async Task<Spooled> SpoolAsync(Stream source, CancellationToken ct)
    {
        using var hash = _material.CreateIdHash(BlobKind.RawMessage);
        if (source is MemoryStream memory && memory.TryGetBuffer(out var held)
            && memory.Length - memory.Position <= _options.InMemoryMessageBytes)
        {
            // Already in memory: hashed and read in place, not copied. The caller keeps the buffer
            // unchanged until this call returns (nothing of the batch refers to it afterwards).
            var at = (int)memory.Position;
            var bytes = held.AsSpan(at, held.Count - at);
            hash.AppendData(bytes);
            memory.Position = memory.Length;
            var view = new MemoryStream(held.Array!, held.Offset + at, bytes.Length, writable: false, publiclyVisible: true);
            return new Spooled(view, null, hash.GetHashAndReset());
        }

        _spool.SetLength(0);
        Stream target = _spool;
        FileStream? file = null;
        var buffer = _scratch.CopyBuffer;
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                if (file is null && _spool.Length + n > _options.InMemoryMessageBytes)
                {
                    // Too large to hold: continue in a private scratch file.
                    file = TempFiles.Create(_options.TempPath);
                    _spool.Position = 0;
                    await _spool.CopyToAsync(file, ct);
                    _spool.SetLength(0);
                    target = file;
                }

                await target.WriteAsync(buffer.AsMemory(0, n), ct);
            }

            await target.FlushAsync(ct);
            target.Position = 0;
            return new Spooled(target, file, hash.GetHashAndReset());
        }
        catch
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }

            throw;
        }
    }

    private Task<StoredMessage?> FindAsync(string contentHash, CancellationToken ct) =>
        FindStored.For(_db)(_db, _material.OrganizationId, contentHash, ct);

    // Asked once per message and once per part: compiled once per model, not translated again each time.
    private static readonly PerModel<Func<AppDbContext, Guid, string, CancellationToken, Task<StoredMessage?>>> FindStored = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, Guid organizationId, string contentHash, CancellationToken ct) =>
            db.StoredMessages.AsNoTracking().SingleOrDefault(m => m.OrganizationId == organizationId && m.ContentHash == contentHash)));

    private static readonly PerModel<Func<AppDbContext, Guid, byte[], CancellationToken, Task<bool>>> ChunkExists = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, Guid organizationId, byte[] blobId, CancellationToken ct) =>
            db.StoredChunks.Any(c => c.OrganizationId == organizationId && c.BlobId == blobId)));

    private static StoredMessageRef Duplicate(StoredMessage known) =>
        new(known.Id, known.ContentHash, known.LogicalBytes, 0, AlreadyStored: true);

    /// A spooled message: the batch's reusable memory stream, or a scratch file deleted on dispose.
    private sealed class Spooled(Stream stream, FileStream? file, byte[] hash) : IAsyncDisposable
    {
        public Stream Stream { get; } = stream;

        public byte[] Hash { get; } = hash;

        public ValueTask DisposeAsync() => file?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
