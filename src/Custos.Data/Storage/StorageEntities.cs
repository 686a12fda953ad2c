using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Storage;

/// An organization's data key, wrapped (AES-256-GCM) under the platform key-encryption key.
/// Purging overwrites <see cref="WrappedKey"/> with null and keeps <see cref="DestroyedAt"/>:
/// from then on nothing the organization stored can be decrypted. A row without a key ever
/// created (an organization purged before it stored anything) has an empty <see cref="KeyId"/>.
public sealed class OrganizationDataKey
{
    public Guid OrganizationId { get; set; }

    public Guid KeyId { get; set; }

    /// Which key-encryption key wrapped it (see PlatformKeys.KeyEncryptionKeyId).
    public string KekId { get; set; } = "";

    /// Nonce (12) | ciphertext (32) | tag (16); null once destroyed.
    public byte[]? WrappedKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DestroyedAt { get; set; }
}

/// One encrypted record of a blob in a pack. A blob is the ordered sequence of its chunks.
public sealed class StoredChunk
{
    public Guid OrganizationId { get; set; }

    /// HMAC-SHA256 under the organization's blob-id key: reveals nothing about the content.
    public byte[] BlobId { get; set; } = [];

    public int Seq { get; set; }

    public int Pack { get; set; }

    /// Where the record starts in the pack file.
    public long Offset { get; set; }

    /// The record's payload length (nonce, ciphertext, tag); the framing adds a fixed overhead.
    public int Length { get; set; }

    public int PlainLength { get; set; }
}

/// A stored message: its skeleton blob and its accounting. Exact duplicates share one row.
public sealed class StoredMessage
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    /// HMAC-SHA256 of the raw message under the organization's blob-id key, hex.
    public string ContentHash { get; set; } = "";

    public byte[] BlobId { get; set; } = [];

    public long LogicalBytes { get; set; }

    public long StoredBytesAdded { get; set; }

    public int AttachmentsStored { get; set; }

    public int AttachmentsDeduplicated { get; set; }

    public DateTimeOffset StoredAt { get; set; }
}

/// The record of an organization's storage purge, and once finished its signed certificate.
public sealed class StoragePurge
{
    public Guid OrganizationId { get; set; }

    public Guid? KeyId { get; set; }

    public DateTimeOffset DestroyedAt { get; set; }

    public int PacksDeleted { get; set; }

    public long BytesDeleted { get; set; }

    /// JSON of the test decryption attempted after the key was destroyed.
    public string TestDecryption { get; set; } = "";

    /// The signed certificate (JSON); null while the purge is still running.
    public string? Certificate { get; set; }

    public DateTimeOffset? IssuedAt { get; set; }
}

public static class StorageModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<OrganizationDataKey>(e =>
        {
            e.ToTable("OrganizationDataKeys");
            e.HasKey(k => k.OrganizationId);
            e.Property(k => k.KekId).HasMaxLength(64);
            e.Property(k => k.WrappedKey).HasMaxLength(64);
        });

        builder.Entity<StoredChunk>(e =>
        {
            e.ToTable("StoredChunks");
            e.HasKey(c => new { c.OrganizationId, c.BlobId, c.Seq });
            e.Property(c => c.BlobId).HasMaxLength(32);
            e.HasIndex(c => new { c.OrganizationId, c.Pack, c.Offset });
        });

        builder.Entity<StoredMessage>(e =>
        {
            e.ToTable("StoredMessages");
            e.HasKey(m => m.Id);
            e.Property(m => m.ContentHash).HasMaxLength(64);
            e.Property(m => m.BlobId).HasMaxLength(32);
            e.HasIndex(m => new { m.OrganizationId, m.ContentHash }).IsUnique();
        });

        builder.Entity<StoragePurge>(e =>
        {
            e.ToTable("StoragePurges");
            e.HasKey(p => p.OrganizationId);
        });
    }
}
