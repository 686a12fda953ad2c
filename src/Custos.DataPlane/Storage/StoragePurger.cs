using System.Security.Cryptography;
using System.Text.Json;
using Custos.Data;
using Custos.Data.Storage;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Storage;

/// Purges an organization's storage so that it provably cannot be read back:
/// 1. destroy the data key (the wrapped key is overwritten; destroyed-at kept) — from this commit
///    on nothing the organization stored is readable, whatever else survives;
/// 2. record the facts (packs and bytes on disk, a test decryption of one former record that fails);
/// 3. delete the packs;
/// 4. delete the index rows and issue the signed certificate, in one transaction.
/// Each step is idempotent, so a purge interrupted anywhere is finished by running it again, and
/// exactly one certificate is issued. Works in its own DbContext scope (the caller's may hold changes).
public sealed class StoragePurger(
    IServiceScopeFactory scopes, IBlobStore blobs, PlatformKeys platform, OrganizationKeys keys, TimeProvider clock)
    : IOrganizationDataPurger
{
    private const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";

    // Delete purges at once while the purge job may pick the same organization up: one purge at a
    // time per node, so they do not race to record the same facts. Purges on two nodes still meet
    // at the unique keys below, and the loser carries on with the winner's record.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task PurgeAsync(Guid organizationId, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await PurgeOnceAsync(organizationId, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PurgeOnceAsync(Guid organizationId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var sqlite = db.Database.ProviderName == SqliteProvider;
        if (sqlite)
        {
            // Overwrite freed space with zeros on this connection, so the old wrapped key does not
            // linger in a free page of the database file.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA secure_delete = ON", ct);
        }

        try
        {
            var purge = await db.StoragePurges.SingleOrDefaultAsync(p => p.OrganizationId == organizationId, ct);
            if (purge?.Certificate is not null)
            {
                return;
            }

            var key = await DestroyKeyAsync(db, organizationId, sqlite, ct);
            if (purge is null)
            {
                var measured = blobs.Measure(organizationId);
                purge = new StoragePurge
                {
                    OrganizationId = organizationId,
                    KeyId = key.KeyId == Guid.Empty ? null : key.KeyId,
                    DestroyedAt = key.DestroyedAt!.Value,
                    PacksDeleted = measured.Packs,
                    BytesDeleted = measured.Bytes,
                    TestDecryption = await TestDecryptionAsync(db, key, ct),
                };
                db.StoragePurges.Add(purge);
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    // A concurrent purge recorded the facts first: continue with its record.
                    db.ChangeTracker.Clear();
                    purge = await db.StoragePurges.AsNoTracking().SingleAsync(p => p.OrganizationId == organizationId, ct);
                }
            }

            await blobs.DeleteOrganizationAsync(organizationId, ct);

            var publicId = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.PublicId).SingleOrDefaultAsync(ct) ?? "";
            var issuedAt = clock.GetUtcNow();
            var certificate = PurgeCertificates.Issue(
                new PurgeFacts(organizationId, publicId, purge.KeyId, purge.DestroyedAt, purge.PacksDeleted, purge.BytesDeleted, purge.TestDecryption, issuedAt),
                platform);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.StoredChunks.Where(c => c.OrganizationId == organizationId).ExecuteDeleteAsync(ct);
            await db.BackedUpMessages.Where(m => m.OrganizationId == organizationId).ExecuteDeleteAsync(ct);
            await db.StoredMessages.Where(m => m.OrganizationId == organizationId).ExecuteDeleteAsync(ct);

            // Two purges racing for one organization both get here; only one certificate is issued.
            await db.StoragePurges.Where(p => p.OrganizationId == organizationId && p.Certificate == null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Certificate, certificate).SetProperty(p => p.IssuedAt, issuedAt), ct);
            await transaction.CommitAsync(ct);
        }
        finally
        {
            if (sqlite)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private async Task<OrganizationDataKey> DestroyKeyAsync(AppDbContext db, Guid organizationId, bool sqlite, CancellationToken ct)
    {
        var key = await db.OrganizationDataKeys.SingleOrDefaultAsync(k => k.OrganizationId == organizationId, ct);
        if (key is { WrappedKey: null, DestroyedAt: not null })
        {
            return key;
        }

        var now = clock.GetUtcNow();
        if (key is null)
        {
            // Nothing was ever stored. The tombstone refuses any later attempt to store.
            key = new OrganizationDataKey { OrganizationId = organizationId, KekId = platform.KeyEncryptionKeyId, CreatedAt = now, DestroyedAt = now };
            db.OrganizationDataKeys.Add(key);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // A first store or a concurrent purge created the row meanwhile: destroy that one.
                db.ChangeTracker.Clear();
                return await DestroyKeyAsync(db, organizationId, sqlite, ct);
            }

            return key;
        }

        // Overwrite in place first, then drop the value.
        key.WrappedKey = new byte[key.WrappedKey?.Length ?? 0];
        key.DestroyedAt ??= now;
        await db.SaveChangesAsync(ct);
        key.WrappedKey = null;
        await db.SaveChangesAsync(ct);
        if (sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
        }
        else
        {
            // Let PostgreSQL prune the dead row versions that still hold the old value.
            await db.Database.ExecuteSqlRawAsync("VACUUM \"OrganizationDataKeys\"", ct);
        }

        return key;
    }

    /// Tries to read one former record the way a restore would, and with the platform KEK as if it
    /// were the data key; both must fail now.
    private async Task<string> TestDecryptionAsync(AppDbContext db, OrganizationDataKey key, CancellationToken ct)
    {
        var organizationId = key.OrganizationId;
        var sample = await db.StoredChunks.AsNoTracking()
            .Where(c => c.OrganizationId == organizationId)
            .OrderBy(c => c.Pack).ThenBy(c => c.Offset)
            .FirstOrDefaultAsync(ct);
        if (sample is null)
        {
            return Json(new { attempted = false, succeeded = false, reason = "The organization had no stored data." });
        }

        byte[] payload;
        try
        {
            payload = await blobs.ReadAsync(organizationId, new PackLocation(sample.Pack, sample.Offset, sample.Length), ct);
        }
        catch (IOException)
        {
            return Json(new { attempted = false, succeeded = false, reason = "The pack holding the sample record was already gone." });
        }

        var errors = new List<string>();
        var succeeded = false;
        try
        {
            using var material = keys.Unwrap(key);
            if (material is null)
            {
                errors.Add("data key: destroyed, nothing to unwrap");
            }
            else
            {
                material.Open(sample.BlobId, sample.Seq, payload);
                succeeded = true;
            }
        }
        catch (CryptographicException e)
        {
            errors.Add("data key: " + e.Message);
        }

        try
        {
            using var fromKek = new DataKeyMaterial(organizationId, key.KeyId, platform.KeyEncryptionKey);
            fromKek.Open(sample.BlobId, sample.Seq, payload);
            succeeded = true;
        }
        catch (CryptographicException e)
        {
            errors.Add("platform key-encryption key: " + e.Message);
        }

        return Json(new
        {
            attempted = true,
            succeeded,
            blobId = Convert.ToHexStringLower(sample.BlobId),
            pack = sample.Pack,
            offset = sample.Offset,
            errors,
        });
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);
}
