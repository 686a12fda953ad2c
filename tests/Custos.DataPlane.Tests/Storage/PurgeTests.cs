using System.Security.Cryptography;
using System.Text.Json;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Infrastructure;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Tests.Storage;

public sealed class PurgeTests_Sqlite(SqliteStorageFixture fixture) : PurgeTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class PurgeTests_Postgres(PostgresStorageFixture fixture) : PurgeTests(fixture), IClassFixture<PostgresStorageFixture>;

/// A purge destroys the data key first, then packs and index rows, and issues a signed certificate.
public abstract class PurgeTests(StorageFixture fixture)
{
    private IServiceProvider Services => fixture.Services;

    private PlatformKeys Keys => Services.GetRequiredService<PlatformKeys>();

    [Fact]
    public async Task Purge_DestroysTheKeyPacksAndIndex_AndIssuesAVerifiableCertificate()
    {
        var org = Guid.NewGuid();
        var stored = await StoreSomeAsync(org);
        var packs = fixture.PackFiles(org);
        var packBytes = packs.Sum(f => new FileInfo(f).Length);
        var keyId = (await KeyOfAsync(org))!.KeyId;
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));

        await PurgeAsync(org);

        var key = await KeyOfAsync(org);
        key!.WrappedKey.ShouldBeNull();
        key.DestroyedAt.ShouldBe(fixture.Clock.GetUtcNow());
        fixture.PackFiles(org).ShouldBeEmpty();
        (await Services.UsageAsync(org)).ShouldBe(new StorageUsage(0, 0, 0, 0));
        (await CopyAsync(org, stored[0].Id)).ShouldBeFalse();

        var certificate = await CertificateOfAsync(org);
        PurgeCertificates.Verify(certificate, Keys.SigningPublicKey).IsValid.ShouldBeTrue();
        using var json = JsonDocument.Parse(certificate);
        var body = json.RootElement.GetProperty("certificate");
        body.GetProperty("organizationId").GetGuid().ShouldBe(org);
        body.GetProperty("keyId").GetGuid().ShouldBe(keyId);
        body.GetProperty("destroyedAt").GetDateTimeOffset().ShouldBe(fixture.Clock.GetUtcNow());
        body.GetProperty("packsDeleted").GetInt32().ShouldBe(packs.Length);
        body.GetProperty("bytesDeleted").GetInt64().ShouldBe(packBytes);
        var test = body.GetProperty("testDecryption");
        test.GetProperty("attempted").GetBoolean().ShouldBeTrue();
        test.GetProperty("succeeded").GetBoolean().ShouldBeFalse();
        json.RootElement.GetProperty("signature").GetProperty("keyId").GetString().ShouldBe(Keys.SigningKeyId);
    }

    [Fact]
    public async Task Purge_InterruptedAfterTheKeyIsDestroyed_LeavesNothingReadableAndTheRerunFinishes()
    {
        var org = Guid.NewGuid();
        var stored = await StoreSomeAsync(org);
        var packs = fixture.PackFiles(org);
        await using (var crashing = fixture.BuildServices(inner => new CrashBeforeDeletingPacks(inner)))
        {
            await Should.ThrowAsync<IOException>(() => crashing.GetRequiredService<IOrganizationDataPurger>().PurgeAsync(org, CancellationToken.None));
        }

        // The key went first: the packs are still on disk, and already unreadable.
        (await KeyOfAsync(org))!.WrappedKey.ShouldBeNull();
        fixture.PackFiles(org).ShouldBe(packs);
        foreach (var message in stored)
        {
            await Should.ThrowAsync<OrganizationDataDestroyedException>(() => CopyAsync(org, message.Id));
        }

        await Should.ThrowAsync<OrganizationDataDestroyedException>(() => Services.PutAsync(org, Corpus.All()[0].Bytes));
        (await Services.InDatabaseAsync(db => db.StoragePurges.SingleAsync(p => p.OrganizationId == org))).Certificate.ShouldBeNull();

        await PurgeAsync(org);

        fixture.PackFiles(org).ShouldBeEmpty();
        (await Services.UsageAsync(org)).MessageCount.ShouldBe(0);
        var certificate = await CertificateOfAsync(org);
        PurgeCertificates.Verify(certificate, Keys.SigningPublicKey).IsValid.ShouldBeTrue();
        using var json = JsonDocument.Parse(certificate);
        json.RootElement.GetProperty("certificate").GetProperty("packsDeleted").GetInt32().ShouldBe(packs.Length);
        json.RootElement.GetProperty("certificate").GetProperty("testDecryption").GetProperty("succeeded").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Purge_EvenWithTheDatabaseAndEveryRemainingFile_NoMessageCanBeReadBack()
    {
        var victim = Guid.NewGuid();
        var bystander = Guid.NewGuid();
        await StoreSomeAsync(victim);
        var kept = await StoreSomeAsync(bystander);

        // The thief copied the victim's packs and index before the purge, and keeps them.
        var stolenRecords = fixture.PackFiles(victim).SelectMany(f => StorageHarness.Records(File.ReadAllBytes(f))).ToList();
        var stolenIds = await Services.InDatabaseAsync(db => db.StoredChunks.Where(c => c.OrganizationId == victim).Select(c => c.BlobId).Distinct().ToListAsync());
        var wrappedBefore = (await KeyOfAsync(victim))!.WrappedKey!;
        (await DecryptAnyAsync(stolenRecords, stolenIds)).ShouldBe(stolenRecords.Count, "before the purge the same attack reads every record");
        if (fixture.DatabaseFiles is { } files)
        {
            files.ShouldContain(f => StorageHarness.Contains(File.ReadAllBytes(f), wrappedBefore), "before the purge the database file holds the wrapped key");
        }

        await PurgeAsync(victim);

        // Now the thief also holds the whole database and every remaining file, the platform keys included.
        (await DecryptAnyAsync(stolenRecords, stolenIds)).ShouldBe(0);
        var remaining = Directory.GetFiles(fixture.WorkDir, "*", SearchOption.AllDirectories);
        remaining.ShouldContain(fixture.Options.KeyEncryptionKeyPath);
        foreach (var file in remaining)
        {
            StorageHarness.Contains(File.ReadAllBytes(file), wrappedBefore).ShouldBeFalse(file);
        }

        (await Services.ReadAsync(bystander, kept[0].Id)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Purge_RunTwice_IssuesOneCertificate()
    {
        var org = Guid.NewGuid();
        await StoreSomeAsync(org);
        await PurgeAsync(org);
        var first = await CertificateOfAsync(org);
        fixture.Clock.Advance(TimeSpan.FromHours(1));

        await PurgeAsync(org);

        (await CertificateOfAsync(org)).ShouldBe(first);
        (await Services.InDatabaseAsync(db => db.StoragePurges.CountAsync(p => p.OrganizationId == org))).ShouldBe(1);
    }

    [Fact]
    public async Task Purge_RacingItself_BothFinishAndOneCertificateIsIssued()
    {
        var org = Guid.NewGuid();
        await StoreSomeAsync(org);
        await using var other = fixture.BuildServices();

        await Task.WhenAll(
            Task.Run(() => PurgeAsync(org)),
            Task.Run(() => other.GetRequiredService<IOrganizationDataPurger>().PurgeAsync(org, CancellationToken.None)));

        var certificate = await CertificateOfAsync(org);
        PurgeCertificates.Verify(certificate, Keys.SigningPublicKey).IsValid.ShouldBeTrue();
        fixture.PackFiles(org).ShouldBeEmpty();
        (await KeyOfAsync(org))!.WrappedKey.ShouldBeNull();
    }

    [Fact]
    public async Task Purge_OfAnOrganizationThatStoredNothing_IssuesACertificateAndRefusesLaterStores()
    {
        var org = Guid.NewGuid();

        await PurgeAsync(org);

        var certificate = await CertificateOfAsync(org);
        PurgeCertificates.Verify(certificate, Keys.SigningPublicKey).IsValid.ShouldBeTrue();
        using var json = JsonDocument.Parse(certificate);
        json.RootElement.GetProperty("certificate").GetProperty("keyId").ValueKind.ShouldBe(JsonValueKind.Null);
        json.RootElement.GetProperty("certificate").GetProperty("packsDeleted").GetInt32().ShouldBe(0);
        await Should.ThrowAsync<OrganizationDataDestroyedException>(() => Services.PutAsync(org, Corpus.All()[0].Bytes));
    }

    [Fact]
    public async Task Verify_OfATamperedCertificate_Fails()
    {
        var org = Guid.NewGuid();
        await StoreSomeAsync(org);
        await PurgeAsync(org);
        var certificate = await CertificateOfAsync(org);
        using var json = JsonDocument.Parse(certificate);
        var bytes = json.RootElement.GetProperty("certificate").GetProperty("bytesDeleted").GetInt64();
        var signature = json.RootElement.GetProperty("signature").GetProperty("value").GetString()!;
        var otherSignature = Convert.FromBase64String(signature);
        otherSignature[5] ^= 0x01;
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        certificate.ShouldContain(signature);
        certificate.ShouldContain($"\"bytesDeleted\": {bytes}");

        var checks = new Dictionary<string, PurgeCertificateCheck>
        {
            ["fewer bytes claimed"] = PurgeCertificates.Verify(
                certificate.Replace($"\"bytesDeleted\": {bytes}", $"\"bytesDeleted\": {bytes + 1}", StringComparison.Ordinal), Keys.SigningPublicKey),
            ["another organization"] = PurgeCertificates.Verify(
                certificate.Replace(org.ToString(), Guid.NewGuid().ToString(), StringComparison.Ordinal), Keys.SigningPublicKey),
            ["signature changed"] = PurgeCertificates.Verify(
                certificate.Replace(signature, Convert.ToBase64String(otherSignature), StringComparison.Ordinal), Keys.SigningPublicKey),
            ["another platform's key"] = PurgeCertificates.Verify(certificate, stranger.ExportSubjectPublicKeyInfo()),
            ["not JSON"] = PurgeCertificates.Verify(certificate[..^10], Keys.SigningPublicKey),
        };

        PurgeCertificates.Verify(certificate, Keys.SigningPublicKey).IsValid.ShouldBeTrue();
        checks.Where(c => c.Value.IsValid).Select(c => c.Key).ShouldBeEmpty();
    }

    [Fact]
    public async Task Purge_OfOneOrganization_LeavesAnotherOrganizationsMessagesReadable()
    {
        var purged = Guid.NewGuid();
        var kept = Guid.NewGuid();
        await StoreSomeAsync(purged);
        var messages = await StoreSomeAsync(kept);
        var keptPacks = fixture.PackFiles(kept).Select(File.ReadAllBytes).ToList();

        await PurgeAsync(purged);

        fixture.PackFiles(kept).Select(File.ReadAllBytes).ShouldBe(keptPacks);
        foreach (var message in messages)
        {
            (await Services.ReadAsync(kept, message.Id)).ShouldNotBeEmpty();
        }
    }

    /// Every key the thief can get (every wrapped key left in the database, unwrapped with the
    /// platform key-encryption key from disk, and that key itself) against every stolen record
    /// under every known blob ID: how many records decrypt.
    private async Task<int> DecryptAnyAsync(List<byte[]> records, List<byte[]> blobIds)
    {
        var rows = await Services.InDatabaseAsync(db => db.OrganizationDataKeys.AsNoTracking().ToListAsync());
        var unwrapper = Services.GetRequiredService<OrganizationKeys>();
        var candidates = rows.Select(unwrapper.Unwrap).OfType<DataKeyMaterial>().ToList();
        candidates.Add(new DataKeyMaterial(Guid.Empty, Guid.Empty, File.ReadAllBytes(fixture.Options.KeyEncryptionKeyPath)));
        var allIds = blobIds.Concat(await Services.InDatabaseAsync(db => db.StoredChunks.Select(c => c.BlobId).Distinct().ToListAsync())).ToList();
        var decrypted = 0;
        foreach (var record in records)
        {
            var opened = false;
            foreach (var key in candidates)
            {
                foreach (var id in allIds)
                {
                    try
                    {
                        key.Open(id, 0, record);
                        opened = true;
                    }
                    catch (CryptographicException)
                    {
                    }
                }
            }

            decrypted += opened ? 1 : 0;
        }

        candidates.ForEach(c => c.Dispose());
        return decrypted;
    }

    private async Task<List<StoredMessageRef>> StoreSomeAsync(Guid org) =>
    [
        await Services.PutAsync(org, Corpus.WithAttachment("first " + org, Corpus.RandomBytes(20_000, 41), seed: 1)),
        await Services.PutAsync(org, Corpus.WithAttachment("second " + org, Corpus.RandomBytes(20_000, 42), seed: 2)),
    ];

    private async Task PurgeAsync(Guid org) =>
        await Services.GetRequiredService<IOrganizationDataPurger>().PurgeAsync(org, CancellationToken.None);

    private Task<OrganizationDataKey?> KeyOfAsync(Guid org) =>
        Services.InDatabaseAsync(db => db.OrganizationDataKeys.AsNoTracking().SingleOrDefaultAsync(k => k.OrganizationId == org));

    private async Task<string> CertificateOfAsync(Guid org) =>
        (await Services.InDatabaseAsync(db => db.StoragePurges.AsNoTracking().SingleAsync(p => p.OrganizationId == org))).Certificate!;

    private async Task<bool> CopyAsync(Guid org, Guid message)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MessageStore>().CopyToAsync(org, message, Stream.Null, CancellationToken.None);
    }

    /// The process dies after the key is destroyed, before any pack is deleted.
    private sealed class CrashBeforeDeletingPacks(IBlobStore inner) : IBlobStore
    {
        public Task<IPackWriter> OpenWriterAsync(Guid organizationId, CancellationToken ct) => inner.OpenWriterAsync(organizationId, ct);

        public Task<byte[]> ReadAsync(Guid organizationId, PackLocation location, CancellationToken ct) => inner.ReadAsync(organizationId, location, ct);

        public PackDeletion Measure(Guid organizationId) => inner.Measure(organizationId);

        public Task<PackDeletion> DeleteOrganizationAsync(Guid organizationId, CancellationToken ct) =>
            throw new IOException("Simulated crash before the packs are deleted.");
    }
}
