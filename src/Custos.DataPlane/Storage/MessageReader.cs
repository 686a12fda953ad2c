using Custos.Data;
using Microsoft.EntityFrameworkCore;
using ZstdSharp;

namespace Custos.DataPlane.Storage;

/// Reads many stored messages of one organization, byte for byte as received, for one operation (a
/// restore, a download): the data key is unwrapped once, on first use, and forgotten on dispose (it
/// is never cached across operations, so a purge still takes effect at once for the next one);
/// pack files stay open and one decompressor serves every chunk. Each message costs one query for
/// itself and one per blob for its chunk rows. (Compiled queries would save a little more, but one
/// process may hold both engines' models, which compiled queries do not allow.)
public sealed class MessageReader : IDisposable
{
    private readonly AppDbContext _db;
    private readonly OrganizationKeys _keys;
    private readonly Guid _organizationId;
    private readonly IPackReader _packs;
    private readonly Decompressor _decompressor = new();
    private DataKeyMaterial? _material;

    internal MessageReader(AppDbContext db, IBlobStore blobs, OrganizationKeys keys, Guid organizationId)
    {
        _db = db;
        _keys = keys;
        _organizationId = organizationId;
        _packs = blobs.OpenReader(organizationId);
    }

    /// Writes the message exactly as it was received. False when the organization has no such message.
    public async Task<bool> CopyToAsync(Guid storedMessageId, Stream destination, CancellationToken ct)
    {
        var organizationId = _organizationId;
        var message = await _db.StoredMessages.AsNoTracking()
            .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.Id == storedMessageId, ct);
        if (message is null)
        {
            return false;
        }

        _material ??= await _keys.FindAsync(_db, _organizationId, ct) ?? throw new OrganizationDataDestroyedException(_organizationId);
        var material = _material;
        await using var skeleton = await OpenBlobAsync(material, message.BlobId, ct);
        await Skeleton.RestoreAsync(skeleton, destination, (id, token) => OpenBlobAsync(material, id, token), ct);
        return true;
    }

    public void Dispose()
    {
        _material?.Dispose();
        _material = null;
        _packs.Dispose();
        _decompressor.Dispose();
    }

    private async Task<Stream> OpenBlobAsync(DataKeyMaterial material, byte[] blobId, CancellationToken ct)
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

        return new BlobReadStream(_packs, material, _decompressor, blobId, chunks);
    }
}
