using System.Security.Cryptography;
using Custos.Data;
using Custos.Data.Storage;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Storage;

/// The organization's data key was destroyed by a purge: nothing it stored can be read, and
/// nothing new is stored for it.
public sealed class OrganizationDataDestroyedException(Guid organizationId)
    : InvalidOperationException($"The data key of organization {organizationId} was destroyed; its backup data is purged.")
{
    public Guid OrganizationId { get; } = organizationId;
}

/// Creates, unwraps and destroys per-organization data keys. Keys are unwrapped for each use and
/// never cached, so a purge in one process takes effect in every other at once.
public sealed class OrganizationKeys(PlatformKeys platform, TimeProvider clock)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// The organization's key material, creating the data key on first use.
    public async Task<DataKeyMaterial> GetOrCreateAsync(AppDbContext db, Guid organizationId, CancellationToken ct)
    {
        var row = await db.OrganizationDataKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OrganizationId == organizationId, ct);
        if (row is null)
        {
            var dataKey = RandomNumberGenerator.GetBytes(PlatformKeys.KeyBytes);
            var keyId = Guid.CreateVersion7(clock.GetUtcNow());
            row = new OrganizationDataKey
            {
                OrganizationId = organizationId,
                KeyId = keyId,
                KekId = platform.KeyEncryptionKeyId,
                WrappedKey = Wrap(organizationId, keyId, dataKey),
                CreatedAt = clock.GetUtcNow(),
            };
            CryptographicOperations.ZeroMemory(dataKey);
            db.OrganizationDataKeys.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another writer created it first: use theirs.
                db.ChangeTracker.Clear();
                row = await db.OrganizationDataKeys.AsNoTracking().SingleAsync(k => k.OrganizationId == organizationId, ct);
            }
            finally
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }

        return Unwrap(row) ?? throw new OrganizationDataDestroyedException(organizationId);
    }

    /// The key material, or null when the organization has no key yet. Throws when it was destroyed.
    public async Task<DataKeyMaterial?> FindAsync(AppDbContext db, Guid organizationId, CancellationToken ct)
    {
        var row = await db.OrganizationDataKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OrganizationId == organizationId, ct);
        return row is null ? null : Unwrap(row) ?? throw new OrganizationDataDestroyedException(organizationId);
    }

    /// Whether the organization's data key still exists (no purge destroyed it), read without
    /// unwrapping it: what a writer checks under its lock before each append and at each commit.
    public async Task<bool> ExistsAsync(AppDbContext db, Guid organizationId, CancellationToken ct) =>
        await WrappedKeyOf.For(db)(db, organizationId, ct) is { Length: NonceBytes + PlatformKeys.KeyBytes + TagBytes };

    // Asked before every append of a backup: compiled once per model, not translated again each time.
    private static readonly PerModel<Func<AppDbContext, Guid, CancellationToken, Task<byte[]?>>> WrappedKeyOf = new(() =>
        EF.CompileAsyncQuery((AppDbContext db, Guid organizationId, CancellationToken ct) =>
            db.OrganizationDataKeys.Where(k => k.OrganizationId == organizationId).Select(k => k.WrappedKey).FirstOrDefault()));

    /// Null when the key was destroyed.
    public DataKeyMaterial? Unwrap(OrganizationDataKey row)
    {
        if (row.WrappedKey is not { Length: NonceBytes + PlatformKeys.KeyBytes + TagBytes } wrapped)
        {
            return null;
        }

        var dataKey = new byte[PlatformKeys.KeyBytes];
        using var aes = new AesGcm(platform.KeyEncryptionKey, TagBytes);
        aes.Decrypt(
            wrapped.AsSpan(0, NonceBytes),
            wrapped.AsSpan(NonceBytes, PlatformKeys.KeyBytes),
            wrapped.AsSpan(NonceBytes + PlatformKeys.KeyBytes),
            dataKey,
            AssociatedData(row.OrganizationId, row.KeyId));
        try
        {
            return new DataKeyMaterial(row.OrganizationId, row.KeyId, dataKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private byte[] Wrap(Guid organizationId, Guid keyId, byte[] dataKey)
    {
        var wrapped = new byte[NonceBytes + PlatformKeys.KeyBytes + TagBytes];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceBytes));
        using var aes = new AesGcm(platform.KeyEncryptionKey, TagBytes);
        aes.Encrypt(
            wrapped.AsSpan(0, NonceBytes),
            dataKey,
            wrapped.AsSpan(NonceBytes, PlatformKeys.KeyBytes),
            wrapped.AsSpan(NonceBytes + PlatformKeys.KeyBytes),
            AssociatedData(organizationId, keyId));
        return wrapped;
    }

    private static byte[] AssociatedData(Guid organizationId, Guid keyId) =>
        [.. "custos-data-key-v1"u8, .. organizationId.ToByteArray(), .. keyId.ToByteArray()];
}

/// The two sub-keys derived (HKDF-SHA256) from an organization's data key: one keys blob IDs
/// (HMAC), the other encrypts blobs (AES-256-GCM). The data key itself is not kept.
public sealed class DataKeyMaterial : IDisposable
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _idKey;
    private readonly AesGcm _aes;

    public DataKeyMaterial(Guid organizationId, Guid keyId, ReadOnlySpan<byte> dataKey)
    {
        OrganizationId = organizationId;
        KeyId = keyId;
        _idKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey.ToArray(), 32, salt: [], info: "custos blob-id v1"u8.ToArray());
        var encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey.ToArray(), 32, salt: [], info: "custos blob-encryption v1"u8.ToArray());
        _aes = new AesGcm(encryptionKey, TagBytes);
        CryptographicOperations.ZeroMemory(encryptionKey);
    }

    public const int Overhead = NonceBytes + TagBytes;

    public Guid OrganizationId { get; }

    public Guid KeyId { get; }

    /// An HMAC under the blob-id key, for hashing content as it streams past.
    public IncrementalHash CreateIdHash(BlobKind kind)
    {
        var hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _idKey);
        hash.AppendData([(byte)kind]);
        return hash;
    }

    /// Nonce | ciphertext | tag, with the blob ID and chunk number as associated data.
    public byte[] Seal(ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> plaintext)
    {
        var payload = new byte[NonceBytes + plaintext.Length + TagBytes];
        RandomNumberGenerator.Fill(payload.AsSpan(0, NonceBytes));
        _aes.Encrypt(
            payload.AsSpan(0, NonceBytes),
            plaintext,
            payload.AsSpan(NonceBytes, plaintext.Length),
            payload.AsSpan(NonceBytes + plaintext.Length),
            BlobCrypto.AssociatedData(blobId, seq));
        return payload;
    }

    /// <see cref="Seal(ReadOnlySpan{byte}, int, ReadOnlySpan{byte})"/> into <paramref name="payload"/>
    /// (at least <see cref="Overhead"/> bytes longer than the plaintext); returns the payload's length.
    public int Seal(ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> plaintext, Span<byte> payload)
    {
        var length = NonceBytes + plaintext.Length + TagBytes;
        RandomNumberGenerator.Fill(payload[..NonceBytes]);
        _aes.Encrypt(
            payload[..NonceBytes],
            plaintext,
            payload.Slice(NonceBytes, plaintext.Length),
            payload.Slice(NonceBytes + plaintext.Length, TagBytes),
            BlobCrypto.AssociatedData(blobId, seq));
        return length;
    }

    public byte[] Open(ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> payload) =>
        BlobCrypto.Open(_aes, blobId, seq, payload);

    /// Decrypts a chunk payload into <paramref name="plaintext"/> (at least the payload's length
    /// minus <see cref="Overhead"/>) and returns the plaintext's length.
    public int Open(ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> payload, Span<byte> plaintext) =>
        BlobCrypto.Open(_aes, blobId, seq, payload, plaintext);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_idKey);
        _aes.Dispose();
    }
}

/// What a blob ID is derived from; a separate domain per kind, so equal bytes of different kinds
/// never share an ID.
public enum BlobKind : byte
{
    RawMessage = 0,
    Part = 1,
    Skeleton = 2,
}

public static class BlobCrypto
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static byte[] AssociatedData(ReadOnlySpan<byte> blobId, int seq)
    {
        var ad = new byte[blobId.Length + 4];
        blobId.CopyTo(ad);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(ad.AsSpan(blobId.Length), seq);
        return ad;
    }

    /// Decrypts a chunk payload; throws <see cref="AuthenticationTagMismatchException"/> under a wrong key.
    public static byte[] Open(AesGcm aes, ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The chunk is shorter than its nonce and tag.");
        }

        var plaintext = new byte[payload.Length - NonceBytes - TagBytes];
        Open(aes, blobId, seq, payload, plaintext);
        return plaintext;
    }

    /// <see cref="Open(AesGcm, ReadOnlySpan{byte}, int, ReadOnlySpan{byte})"/> into a caller's buffer; returns the plaintext's length.
    public static int Open(AesGcm aes, ReadOnlySpan<byte> blobId, int seq, ReadOnlySpan<byte> payload, Span<byte> plaintext)
    {
        if (payload.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The chunk is shorter than its nonce and tag.");
        }

        var length = payload.Length - NonceBytes - TagBytes;
        Span<byte> ad = blobId.Length <= 64 ? stackalloc byte[blobId.Length + 4] : new byte[blobId.Length + 4];
        blobId.CopyTo(ad);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(ad[blobId.Length..], seq);
        aes.Decrypt(payload[..NonceBytes], payload.Slice(NonceBytes, length), payload[^TagBytes..], plaintext[..length], ad);
        return length;
    }
}
