using Custos.Data;
using Custos.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Storage;

/// What storing one message did. <see cref="StoredBytesAdded"/> is what the packs grew by (0 for
/// an exact duplicate, which is stored once).
public sealed record StoredMessageRef(Guid Id, string ContentHash, long LogicalBytes, long StoredBytesAdded, bool AlreadyStored);

/// An organization's storage: bytes in packs (framing included), bytes of the messages as
/// received, messages, and attachments found already stored.
public sealed record StorageUsage(long StoredBytes, long LogicalBytes, int MessageCount, int AttachmentsDeduplicated);

/// Stores raw RFC 822 messages in an organization's encrypted, deduplicated storage and reads them
/// back byte for byte. See README.md beside this file for the format and the keys.
public sealed class MessageStore(AppDbContext db, IBlobStore blobs, OrganizationKeys keys, StorageOptions options, TimeProvider clock)
{
    /// Stores one message on its own: a batch of one, committed in its own transaction.
    public async Task<StoredMessageRef> PutAsync(Guid organizationId, Stream rawRfc822, CancellationToken ct)
    {
        using var material = await keys.GetOrCreateAsync(db, organizationId, ct);
        using var batch = BeginBatch(material);
        var stored = await batch.AddAsync(rawRfc822, ct);
        try
        {
            await batch.CommitAsync(token => db.SaveChangesAsync(token), ct);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        return stored;
    }

    /// A batch of messages stored under one fsync and committed in the caller's transaction
    /// (see <see cref="StoreBatch"/>). <paramref name="material"/> stays the caller's to dispose.
    public StoreBatch BeginBatch(DataKeyMaterial material) => new(db, blobs, keys, material, options, clock);

    /// Writes the message exactly as it was received. False when the organization has no such message.
    public async Task<bool> CopyToAsync(Guid organizationId, Guid storedMessageId, Stream destination, CancellationToken ct)
    {
        using var reader = OpenReader(organizationId);
        return await reader.CopyToAsync(storedMessageId, destination, ct);
    }

    /// A reader of many messages of one organization (a restore, a download): see <see cref="MessageReader"/>.
    public MessageReader OpenReader(Guid organizationId) => new(db, blobs, keys, organizationId);

    /// The organization's messages in the order they were stored.
    public async Task<List<StoredMessage>> ListAsync(Guid organizationId, CancellationToken ct) =>
        await db.StoredMessages.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId)
            .OrderBy(m => m.StoredAt).ThenBy(m => m.Id)
            .ToListAsync(ct);

    /// A stored message as an archive writer takes it.
    public ArchiveMessage ForArchive(StoredMessage message, string fileName) =>
        new(fileName, message.LogicalBytes, message.StoredAt, async (destination, ct) =>
        {
            if (!await CopyToAsync(message.OrganizationId, message.Id, destination, ct))
            {
                throw new InvalidOperationException($"Stored message {message.Id} is gone.");
            }
        });

    public async Task<StorageUsage> UsageAsync(Guid organizationId, CancellationToken ct)
    {
        var chunks = db.StoredChunks.Where(c => c.OrganizationId == organizationId);
        var stored = await chunks.SumAsync(c => (long)c.Length, ct) + ((long)await chunks.CountAsync(ct) * LocalBlobStore.RecordOverhead);
        var messages = db.StoredMessages.Where(m => m.OrganizationId == organizationId);
        var logical = await messages.SumAsync(m => m.LogicalBytes, ct);
        var count = await messages.CountAsync(ct);
        var deduplicated = await messages.SumAsync(m => m.AttachmentsDeduplicated, ct);
        return new StorageUsage(stored, logical, count, deduplicated);
    }

}
