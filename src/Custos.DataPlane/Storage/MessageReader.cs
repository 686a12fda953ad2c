using Custos.Data;
using Custos.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Storage;

/// Reads many stored messages of one organization, byte for byte as received, for one operation (a
/// restore, a download): the data key is unwrapped once, on first use, and forgotten on dispose (it
/// is never cached across operations, so a purge still takes effect at once for the next one);
/// pack files stay open, one decompressor serves every chunk, and the buffers of a chunk are reused.
///
/// Index reads: <see cref="PrepareAsync"/> reads the rows of a batch of messages and their skeleton
/// blobs' chunks in one query; a message copied without being prepared costs one query for itself
/// and one for its skeleton. Each attachment blob costs one query the first time the reader meets
/// it (its chunk rows are kept for the rest of the operation, up to <see cref="KeptBlobs"/> blobs).
public sealed class MessageReader : IDisposable
{
    /// Chunk lists of attachment blobs kept for reuse, at most (then the cache starts over).
    public const int KeptBlobs = 4096;

    private readonly AppDbContext _db;
    private readonly OrganizationKeys _keys;
    private readonly Guid _organizationId;
    private readonly IPackReader _packs;
    private readonly ChunkOpener _opener = new();
    private readonly Dictionary<Guid, Prepared> _prepared = [];
    private readonly Dictionary<byte[], List<StoredChunk>> _parts = new(BlobIdComparer.Instance);
    private DataKeyMaterial? _material;

    internal MessageReader(AppDbContext db, IBlobStore blobs, OrganizationKeys keys, Guid organizationId)
    {
        _db = db;
        _keys = keys;
        _organizationId = organizationId;
        _packs = blobs.OpenReader(organizationId);
    }

    /// Reads the index rows of these messages (the messages and their skeleton blobs' chunks) in one
    /// query, replacing what the previous call prepared. Returns the IDs the organization has, each
    /// once, in pack order (where each message's skeleton starts), so copying them in that order reads
    /// the packs front to back; a caller bound to its own order may ignore it. Callers pass batches
    /// (hundreds, not the whole mailbox): what is prepared stays in memory until the next call.
    public async Task<IReadOnlyList<Guid>> PrepareAsync(IReadOnlyCollection<Guid> storedMessageIds, CancellationToken ct)
    {
        _prepared.Clear();
        if (storedMessageIds.Count == 0)
        {
            return [];
        }

        var organizationId = _organizationId;
        var ids = storedMessageIds.Distinct().ToList();
        var rows = await (
                from m in _db.StoredMessages.AsNoTracking()
                where m.OrganizationId == organizationId && ids.Contains(m.Id)
                join c in _db.StoredChunks.AsNoTracking() on new { m.OrganizationId, m.BlobId } equals new { c.OrganizationId, c.BlobId }
                select new { m.Id, Chunk = c })
            .ToListAsync(ct);
        foreach (var row in rows)
        {
            if (!_prepared.TryGetValue(row.Id, out var prepared))
            {
                _prepared[row.Id] = prepared = new Prepared(row.Chunk.BlobId, []);
            }

            prepared.Chunks.Add(row.Chunk);
        }

        foreach (var prepared in _prepared.Values)
        {
            prepared.Chunks.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        }

        return [.. _prepared
            .OrderBy(p => p.Value.Chunks[0].Pack).ThenBy(p => p.Value.Chunks[0].Offset)
            .Select(p => p.Key)];
    }

    /// Writes the message exactly as it was received. False when the organization has no such message.
    public async Task<bool> CopyToAsync(Guid storedMessageId, Stream destination, CancellationToken ct)
    {
        if (!_prepared.TryGetValue(storedMessageId, out var prepared))
        {
            var organizationId = _organizationId;
            var message = await _db.StoredMessages.AsNoTracking()
                .Where(m => m.OrganizationId == organizationId && m.Id == storedMessageId)
                .Select(m => new { m.BlobId })
                .SingleOrDefaultAsync(ct);
            if (message is null)
            {
                return false;
            }

            prepared = new Prepared(message.BlobId, await ChunksAsync(message.BlobId, ct));
        }

        var material = _material ??= await _keys.FindAsync(_db, _organizationId, ct) ?? throw new OrganizationDataDestroyedException(_organizationId);
        await using (var skeleton = new BlobReadStream(_packs, material, _opener, prepared.BlobId, prepared.Chunks))
        {
            await Skeleton.RestoreAsync(skeleton, destination, (id, token) => OpenPartAsync(material, id, token), ct);
        }

        return true;
    }

    public void Dispose()
    {
        _material?.Dispose();
        _material = null;
        _packs.Dispose();
        _opener.Dispose();
        _prepared.Clear();
        _parts.Clear();
    }

    private async Task<Stream> OpenPartAsync(DataKeyMaterial material, byte[] blobId, CancellationToken ct)
    {
        if (!_parts.TryGetValue(blobId, out var chunks))
        {
            chunks = await ChunksAsync(blobId, ct);
            if (_parts.Count >= KeptBlobs)
            {
                _parts.Clear();
            }

            _parts[blobId] = chunks;
        }

        return new BlobReadStream(_packs, material, _opener, blobId, chunks);
    }

    private async Task<List<StoredChunk>> ChunksAsync(byte[] blobId, CancellationToken ct)
    {
        var organizationId = _organizationId;
        var chunks = await _db.StoredChunks.AsNoTracking()
            .Where(c => c.OrganizationId == organizationId && c.BlobId == blobId)
            .OrderBy(c => c.Seq)
            .ToListAsync(ct);
        if (chunks.Count == 0)
        {
            throw new InvalidDataException("A blob of the message is missing from the index.");
        }

        return chunks;
    }

    private sealed record Prepared(byte[] BlobId, List<StoredChunk> Chunks);

    private sealed class BlobIdComparer : IEqualityComparer<byte[]>
    {
        public static readonly BlobIdComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
