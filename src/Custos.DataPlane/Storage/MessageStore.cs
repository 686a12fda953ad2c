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
    public async Task<StoredMessageRef> PutAsync(Guid organizationId, Stream rawRfc822, CancellationToken ct)
    {
        using var material = await keys.GetOrCreateAsync(db, organizationId, ct);

        // Spool once: MimeKit needs a seekable stream, and the content hash decides about
        // duplicates before anything is written.
        await using var raw = TempFiles.Create(options.TempPath);
        byte[] rawHash;
        using (var hash = material.CreateIdHash(BlobKind.RawMessage))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await rawRfc822.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await raw.WriteAsync(buffer.AsMemory(0, n), ct);
            }

            await raw.FlushAsync(ct);
            rawHash = hash.GetHashAndReset();
        }

        var contentHash = Convert.ToHexStringLower(rawHash);
        if (await FindAsync(organizationId, contentHash, ct) is { } known)
        {
            return Duplicate(known);
        }

        var parts = await MimeSplicer.SpliceAsync(raw, material, options.TempPath, ct);
        try
        {
            await using var writer = await blobs.OpenWriterAsync(organizationId, ct);

            // A purge destroys the key before it takes this lock to delete the packs: checked again
            // under the lock, nothing is written for an organization being purged.
            using (var recheck = await keys.FindAsync(db, organizationId, ct))
            {
                _ = recheck ?? throw new OrganizationDataDestroyedException(organizationId);
            }

            if (await FindAsync(organizationId, contentHash, ct) is { } raced)
            {
                return Duplicate(raced);
            }

            var chunks = new List<StoredChunk>();
            int stored = 0, reused = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var part in parts)
            {
                var blobId = part.BlobId;
                if (!seen.Add(Convert.ToHexString(blobId))
                    || await db.StoredChunks.AnyAsync(c => c.OrganizationId == organizationId && c.BlobId == blobId, ct))
                {
                    reused++;
                    continue;
                }

                using var blob = new ChunkedBlobWriter(material, writer, blobId, options);
                await blob.CopyFromAsync(part.Decoded, 0, part.Decoded.Length, ct);
                chunks.AddRange(await blob.CompleteAsync(ct));
                stored++;
            }

            byte[] skeletonId;
            using (var hash = material.CreateIdHash(BlobKind.Skeleton))
            {
                hash.AppendData(rawHash);
                skeletonId = hash.GetHashAndReset();
            }

            using (var skeleton = new ChunkedBlobWriter(material, writer, skeletonId, options))
            {
                await Skeleton.WriteAsync(skeleton, raw, parts, ct);
                chunks.AddRange(await skeleton.CompleteAsync(ct));
            }

            // Crash safety: the records are durable before any index row points at them. A crash
            // before the commit leaves unreferenced records, which nothing ever reads.
            await writer.FlushAsync(ct);
            var message = new StoredMessage
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()),
                OrganizationId = organizationId,
                ContentHash = contentHash,
                BlobId = skeletonId,
                LogicalBytes = raw.Length,
                StoredBytesAdded = chunks.Sum(c => (long)c.Length + LocalBlobStore.RecordOverhead),
                AttachmentsStored = stored,
                AttachmentsDeduplicated = reused,
                StoredAt = clock.GetUtcNow(),
            };
            db.StoredChunks.AddRange(chunks);
            db.StoredMessages.Add(message);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }

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

    /// Writes the message exactly as it was received. False when the organization has no such message.
    public async Task<bool> CopyToAsync(Guid organizationId, Guid storedMessageId, Stream destination, CancellationToken ct)
    {
        var message = await db.StoredMessages.AsNoTracking()
            .SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.Id == storedMessageId, ct);
        if (message is null)
        {
            return false;
        }

        using var material = await keys.FindAsync(db, organizationId, ct) ?? throw new OrganizationDataDestroyedException(organizationId);
        await using var skeleton = await OpenBlobAsync(material, message.BlobId, ct);
        await Skeleton.RestoreAsync(skeleton, destination, (id, token) => OpenBlobAsync(material, id, token), ct);
        return true;
    }

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

    private async Task<Stream> OpenBlobAsync(DataKeyMaterial material, byte[] blobId, CancellationToken ct)
    {
        var organizationId = material.OrganizationId;
        var chunks = await db.StoredChunks.AsNoTracking()
            .Where(c => c.OrganizationId == organizationId && c.BlobId == blobId)
            .OrderBy(c => c.Seq)
            .ToListAsync(ct);
        if (chunks.Count == 0)
        {
            throw new InvalidDataException("A blob of the message is missing from the index.");
        }

        return new BlobReadStream(blobs, material, blobId, chunks);
    }

    private Task<StoredMessage?> FindAsync(Guid organizationId, string contentHash, CancellationToken ct) =>
        db.StoredMessages.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == organizationId && m.ContentHash == contentHash, ct);

    private static StoredMessageRef Duplicate(StoredMessage known) =>
        new(known.Id, known.ContentHash, known.LogicalBytes, 0, AlreadyStored: true);
}
