using System.Security.Cryptography;
using System.Text;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Tests.Storage;

public sealed class MessageStoreTests_Sqlite(SqliteStorageFixture fixture) : MessageStoreTests(fixture), IClassFixture<SqliteStorageFixture>;

public sealed class MessageStoreTests_Postgres(PostgresStorageFixture fixture) : MessageStoreTests(fixture), IClassFixture<PostgresStorageFixture>;

/// Storing and reading back: byte-exact, deduplicated, encrypted, in sealed packs, crash-safe.
public abstract class MessageStoreTests(StorageFixture fixture)
{
    private IServiceProvider Services => fixture.Services;

    public static TheoryData<string> CorpusNames() => [.. Corpus.All().Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public async Task CopyTo_AfterPut_ReturnsTheMessageByteExact(string name)
    {
        var message = Corpus.All().Single(m => m.Name == name);
        var org = Guid.NewGuid();

        var stored = await Services.PutAsync(org, message.Bytes);
        var restored = await Services.ReadAsync(org, stored.Id);

        restored.ShouldBe(message.Bytes);
        stored.LogicalBytes.ShouldBe(message.Bytes.Length);
        stored.AlreadyStored.ShouldBeFalse();
        var row = await Services.InDatabaseAsync(db => db.StoredMessages.SingleAsync(m => m.Id == stored.Id));
        if (message.Spliceable is { } spliceable)
        {
            (row.AttachmentsStored > 0).ShouldBe(spliceable, $"{name}: stored apart");
        }
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public async Task CopyTo_AfterPutFromABufferHeldInMemory_ReturnsTheMessageByteExact(string name)
    {
        // A backup run hands the store the fetched message in memory: it is hashed, split and
        // proven in place, not spooled again. The bytes around it must not leak into the message.
        var message = Corpus.All().Single(m => m.Name == name);
        var org = Guid.NewGuid();
        byte[] framed = [.. "garbage before"u8, .. message.Bytes, .. "garbage after"u8];
        using var held = new MemoryStream(framed, 14, message.Bytes.Length, writable: false, publiclyVisible: true);

        StoredMessageRef stored;
        await using (var scope = Services.CreateAsyncScope())
        {
            stored = await scope.ServiceProvider.GetRequiredService<MessageStore>().PutAsync(org, held, CancellationToken.None);
        }

        (await Services.ReadAsync(org, stored.Id)).ShouldBe(message.Bytes);
        stored.LogicalBytes.ShouldBe(message.Bytes.Length);
        (await Services.PutAsync(org, message.Bytes)).AlreadyStored.ShouldBeTrue("the same content hash either way");
        var row = await Services.InDatabaseAsync(db => db.StoredMessages.SingleAsync(m => m.Id == stored.Id));
        if (message.Spliceable is { } spliceable)
        {
            (row.AttachmentsStored > 0).ShouldBe(spliceable, $"{name}: stored apart");
        }
    }

    [Fact]
    public async Task CopyTo_AfterPutOfA50MegabyteAttachment_ReturnsItByteExact()
    {
        var org = Guid.NewGuid();
        var raw = Corpus.WithAttachment("fifty megabytes", Corpus.RandomBytes(50 * 1024 * 1024, 50));
        var expected = SHA256.HashData(raw);
        var length = raw.Length;

        var stored = await Services.PutAsync(org, raw);
        await using var scope = Services.CreateAsyncScope();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var sink = new HashingStream(hash);
        (await scope.ServiceProvider.GetRequiredService<MessageStore>().CopyToAsync(org, stored.Id, sink, CancellationToken.None)).ShouldBeTrue();

        sink.Written.ShouldBe(length);
        hash.GetHashAndReset().ShouldBe(expected);
        var row = await Services.InDatabaseAsync(db => db.StoredMessages.SingleAsync(m => m.Id == stored.Id));
        row.AttachmentsStored.ShouldBe(1);
        fixture.PackFiles(org).Length.ShouldBeGreaterThan(10);
    }

    [Fact]
    public async Task Put_SameAttachmentInTwoMessages_StoresItOnce()
    {
        var org = Guid.NewGuid();
        var attachment = Corpus.RandomBytes(200_000, 21);
        var first = Corpus.WithAttachment("quarterly report", attachment, seed: 1);
        var second = Corpus.WithAttachment("Fwd: quarterly report", attachment, 64, "\n", "copy.bin", seed: 2);

        var a = await Services.PutAsync(org, first);
        var b = await Services.PutAsync(org, second);

        a.StoredBytesAdded.ShouldBeGreaterThan(attachment.Length);
        b.StoredBytesAdded.ShouldBeLessThan(attachment.Length / 10);
        b.AlreadyStored.ShouldBeFalse();
        (await Services.ReadAsync(org, a.Id)).ShouldBe(first);
        (await Services.ReadAsync(org, b.Id)).ShouldBe(second);
        var usage = await Services.UsageAsync(org);
        usage.MessageCount.ShouldBe(2);
        usage.AttachmentsDeduplicated.ShouldBe(1);
        usage.LogicalBytes.ShouldBe(first.Length + second.Length);
        usage.StoredBytes.ShouldBe(a.StoredBytesAdded + b.StoredBytesAdded);
        usage.StoredBytes.ShouldBeLessThan(usage.LogicalBytes);
    }

    [Fact]
    public async Task Batch_SameAttachmentTwiceAndAnExactDuplicate_StoresEachOnce()
    {
        var org = Guid.NewGuid();
        var attachment = Corpus.RandomBytes(200_000, 24);
        var first = Corpus.WithAttachment("budget", attachment, seed: 3);
        var second = Corpus.WithAttachment("Re: budget", attachment, 64, "\n", "again.bin", seed: 4);

        var refs = await Services.PutBatchAsync(org, commit: true, first, second, first);

        refs[0].AlreadyStored.ShouldBeFalse();
        refs[0].StoredBytesAdded.ShouldBeGreaterThan(attachment.Length);
        refs[1].AlreadyStored.ShouldBeFalse();
        refs[1].StoredBytesAdded.ShouldBeLessThan(attachment.Length / 10);
        refs[2].AlreadyStored.ShouldBeTrue();
        refs[2].Id.ShouldBe(refs[0].Id);
        refs[2].StoredBytesAdded.ShouldBe(0);
        (await Services.ReadAsync(org, refs[0].Id)).ShouldBe(first);
        (await Services.ReadAsync(org, refs[1].Id)).ShouldBe(second);
        var usage = await Services.UsageAsync(org);
        usage.MessageCount.ShouldBe(2);
        usage.AttachmentsDeduplicated.ShouldBe(1);
        usage.StoredBytes.ShouldBe(refs[0].StoredBytesAdded + refs[1].StoredBytesAdded);
        fixture.PackFiles(org).Sum(f => new FileInfo(f).Length).ShouldBe(usage.StoredBytes);
    }

    [Fact]
    public async Task Batch_CrashBetweenPackWriteAndCommit_LeavesOnlyUnreferencedBytesAndStoresAgain()
    {
        var org = Guid.NewGuid();
        var a = Corpus.WithAttachment("written, never committed", Corpus.RandomBytes(60_000, 25), seed: 5);
        var b = Corpus.WithAttachment("also lost", Corpus.RandomBytes(60_000, 26), seed: 6);

        var lost = await Services.PutBatchAsync(org, commit: false, a, b);

        var orphanBytes = fixture.PackFiles(org).Sum(f => new FileInfo(f).Length);
        orphanBytes.ShouldBeGreaterThan(120_000);
        (await Services.UsageAsync(org)).ShouldBe(new StorageUsage(0, 0, 0, 0));
        (await Services.InDatabaseAsync(db => db.StoredChunks.CountAsync(c => c.OrganizationId == org))).ShouldBe(0);
        await using (var scope = Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<MessageStore>().CopyToAsync(org, lost[0].Id, Stream.Null, CancellationToken.None)).ShouldBeFalse();
        }

        var again = await Services.PutBatchAsync(org, commit: true, a, b, a);

        again[0].AlreadyStored.ShouldBeFalse();
        again[1].AlreadyStored.ShouldBeFalse();
        again[2].Id.ShouldBe(again[0].Id);
        (await Services.ReadAsync(org, again[0].Id)).ShouldBe(a);
        (await Services.ReadAsync(org, again[1].Id)).ShouldBe(b);
        var usage = await Services.UsageAsync(org);
        usage.MessageCount.ShouldBe(2);
        usage.StoredBytes.ShouldBe(again[0].StoredBytesAdded + again[1].StoredBytesAdded);
        fixture.PackFiles(org).Sum(f => new FileInfo(f).Length).ShouldBe(orphanBytes + usage.StoredBytes);
    }

    [Fact]
    public async Task Put_SameAttachmentInTwoOrganizations_StoresItForEach()
    {
        var attachment = Corpus.RandomBytes(100_000, 22);
        var raw = Corpus.WithAttachment("shared", attachment);

        var a = await Services.PutAsync(Guid.NewGuid(), raw);
        var b = await Services.PutAsync(Guid.NewGuid(), raw);

        a.StoredBytesAdded.ShouldBeGreaterThan(attachment.Length);
        b.StoredBytesAdded.ShouldBeGreaterThan(attachment.Length);
        a.ContentHash.ShouldNotBe(b.ContentHash);
    }

    [Fact]
    public async Task Put_ExactDuplicate_IsStoredOnce()
    {
        var org = Guid.NewGuid();
        var raw = Corpus.WithAttachment("twice", Corpus.RandomBytes(30_000, 23));
        var first = await Services.PutAsync(org, raw);
        var packBytes = fixture.PackFiles(org).Sum(f => new FileInfo(f).Length);

        var again = await Services.PutAsync(org, raw);

        again.AlreadyStored.ShouldBeTrue();
        again.Id.ShouldBe(first.Id);
        again.ContentHash.ShouldBe(first.ContentHash);
        again.StoredBytesAdded.ShouldBe(0);
        fixture.PackFiles(org).Sum(f => new FileInfo(f).Length).ShouldBe(packBytes);
        (await Services.UsageAsync(org)).MessageCount.ShouldBe(1);
    }

    [Fact]
    public async Task Packs_HoldNoPlaintextAndBlobIdsAreNotPlainHashes()
    {
        var org = Guid.NewGuid();
        var attachment = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("CONFIDENTIAL-PAYROLL-2026;", 2_000)));
        var raw = Corpus.WithAttachment("Secret merger plans for Northwind", attachment);
        var stored = await Services.PutAsync(org, raw);

        var packs = fixture.PackFiles(org).Select(File.ReadAllBytes).ToList();
        packs.ShouldNotBeEmpty();
        string[] fragments = ["Secret merger", "CONFIDENTIAL-PAYROLL", "alice@example.com", "Content-Type", Corpus.Base64(attachment, 0, "", false)[..24]];
        foreach (var fragment in fragments)
        {
            packs.ShouldAllBe(p => !StorageHarness.Contains(p, Encoding.ASCII.GetBytes(fragment)), fragment);
        }

        var plainHashes = new[] { SHA256.HashData(raw), SHA256.HashData(attachment) };
        var ids = await Services.InDatabaseAsync(db => db.StoredChunks.Where(c => c.OrganizationId == org).Select(c => c.BlobId).ToListAsync());
        ids.Count.ShouldBeGreaterThan(1);
        ids.ShouldAllBe(id => !plainHashes.Any(h => h.SequenceEqual(id)));
        stored.ContentHash.ShouldNotBe(Convert.ToHexStringLower(SHA256.HashData(raw)));
        packs.ShouldAllBe(p => plainHashes.All(h => !StorageHarness.Contains(p, h)));
        (await Services.ReadAsync(org, stored.Id)).ShouldBe(raw);
    }

    [Fact]
    public async Task Packs_SealAtTheTargetSizeAndNeverExceedTheMaximum()
    {
        var org = Guid.NewGuid();
        var messages = Enumerable.Range(0, 12)
            .Select(i => Corpus.WithAttachment($"pack {i}", Corpus.RandomBytes(100_000, 100 + i), seed: i))
            .ToList();
        var ids = new List<Guid>();
        foreach (var raw in messages)
        {
            ids.Add((await Services.PutAsync(org, raw)).Id);
        }

        var sizes = fixture.PackFiles(org).Select(f => new FileInfo(f).Length).ToList();
        sizes.Count.ShouldBeGreaterThan(2);
        sizes.SkipLast(1).ShouldAllBe(s => s >= fixture.Options.PackTargetBytes);
        sizes.ShouldAllBe(s => s <= fixture.Options.PackMaxBytes);
        for (var i = 0; i < messages.Count; i++)
        {
            (await Services.ReadAsync(org, ids[i])).ShouldBe(messages[i]);
        }
    }

    [Fact]
    public async Task Reader_PreparedBatchSpanningPacks_GivesPackOrder_AndRestoresInAnyOrderByteExact()
    {
        var org = Guid.NewGuid();
        var shared = Corpus.RandomBytes(90_000, 7);
        var longText = Encoding.ASCII.GetBytes(
            "From: a@example.com\r\nSubject: long\r\n\r\n" + string.Concat(Enumerable.Range(0, 4000).Select(i => $"line {i} of a long body\r\n")));
        var messages = Enumerable.Range(0, 10)
            .Select(i => Corpus.WithAttachment($"span {i}", i % 3 == 0 ? shared : Corpus.RandomBytes(120_000, 200 + i), seed: i))
            .Append(longText)
            .ToList();
        var ids = new List<Guid>();
        foreach (var raw in messages)
        {
            ids.Add((await Services.PutAsync(org, raw)).Id);
        }

        fixture.PackFiles(org).Length.ShouldBeGreaterThan(2);
        var longId = ids[^1];
        var chunksOfLongText = await Services.InDatabaseAsync(db => db.StoredMessages
            .Where(m => m.OrganizationId == org && m.Id == longId)
            .Join(db.StoredChunks, m => new { m.OrganizationId, m.BlobId }, c => new { c.OrganizationId, c.BlobId }, (m, c) => c)
            .CountAsync());
        chunksOfLongText.ShouldBeGreaterThan(1);

        // Asked in an order unlike the storage order, with one ID twice and one of another organization.
        var other = await Services.PutAsync(Guid.NewGuid(), messages[1]);
        var asked = ids.AsEnumerable().Reverse().Append(ids[4]).Append(other.Id).ToList();
        await using var scope = Services.CreateAsyncScope();
        using var reader = scope.ServiceProvider.GetRequiredService<MessageStore>().OpenReader(org);

        var order = await reader.PrepareAsync(asked, CancellationToken.None);

        order.ShouldBe(ids);
        foreach (var id in asked.Where(id => id != other.Id))
        {
            using var output = new MemoryStream();
            (await reader.CopyToAsync(id, output, CancellationToken.None)).ShouldBeTrue();
            output.ToArray().ShouldBe(messages[ids.IndexOf(id)]);
        }

        // What the last batch did not prepare is still read (on its own), and another organization's message is not found.
        await reader.PrepareAsync([ids[0]], CancellationToken.None);
        using (var output = new MemoryStream())
        {
            (await reader.CopyToAsync(ids[5], output, CancellationToken.None)).ShouldBeTrue();
            output.ToArray().ShouldBe(messages[5]);
        }

        (await reader.CopyToAsync(other.Id, Stream.Null, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task Put_AfterACrashLeftATornPackTail_TruncatesItAndKeepsEveryCommittedMessage()
    {
        var org = Guid.NewGuid();
        var first = Corpus.WithAttachment("before the crash", Corpus.RandomBytes(20_000, 31));
        var stored = await Services.PutAsync(org, first);
        var pack = fixture.PackFiles(org).Last();
        var committedLength = new FileInfo(pack).Length;

        // A record cut short mid-write: its header promises more bytes than reached the disk.
        await using (var file = new FileStream(pack, FileMode.Append))
        {
            await file.WriteAsync("CXR1"u8.ToArray());
            await file.WriteAsync(BitConverter.GetBytes(100_000));
            await file.WriteAsync(new byte[5_000]);
        }

        // A restart: a new process opens the pack for the next write.
        await using var restarted = fixture.BuildServices();
        var second = Corpus.WithAttachment("after the restart", Corpus.RandomBytes(20_000, 32));
        var next = await restarted.PutAsync(org, second);

        (await restarted.ReadAsync(org, stored.Id)).ShouldBe(first);
        (await restarted.ReadAsync(org, next.Id)).ShouldBe(second);
        var bytes = File.ReadAllBytes(pack);
        StorageHarness.Records(bytes).Sum(r => r.Length + LocalBlobStore.RecordOverhead).ShouldBe(bytes.Length);
        bytes.Length.ShouldBeGreaterThan((int)committedLength);
        bytes.AsSpan((int)committedLength, 4).SequenceEqual("CXR1"u8).ShouldBeTrue();
        StorageHarness.Contains(bytes, new byte[1_000]).ShouldBeFalse();
    }

    [Fact]
    public async Task Put_WhenThePackCannotBeMadeDurable_LeavesNothingVisible()
    {
        var org = Guid.NewGuid();
        var raw = Corpus.WithAttachment("never committed", Corpus.RandomBytes(20_000, 33));
        await using var failing = fixture.BuildServices(inner => new FailingFlushStore(inner));

        await Should.ThrowAsync<IOException>(() => failing.PutAsync(org, raw));

        (await Services.UsageAsync(org)).ShouldBe(new StorageUsage(0, 0, 0, 0));
        var again = await Services.PutAsync(org, raw);
        again.AlreadyStored.ShouldBeFalse();
        (await Services.ReadAsync(org, again.Id)).ShouldBe(raw);
    }

    [Fact]
    public async Task CopyTo_OfAnotherOrganizationsMessage_FindsNothing()
    {
        var owner = Guid.NewGuid();
        var stored = await Services.PutAsync(owner, Corpus.All()[0].Bytes);
        await using var scope = Services.CreateAsyncScope();

        var found = await scope.ServiceProvider.GetRequiredService<MessageStore>()
            .CopyToAsync(Guid.NewGuid(), stored.Id, Stream.Null, CancellationToken.None);

        found.ShouldBeFalse();
    }

    [Fact]
    public async Task DataKey_IsStoredWrappedUnderTheKeyEncryptionKey()
    {
        var org = Guid.NewGuid();
        await Services.PutAsync(org, Corpus.All()[0].Bytes);

        var key = await Services.InDatabaseAsync(db => db.OrganizationDataKeys.SingleAsync(k => k.OrganizationId == org));

        key.WrappedKey!.Length.ShouldBe(12 + 32 + 16);
        key.KekId.ShouldBe(Services.GetRequiredService<PlatformKeys>().KeyEncryptionKeyId);
        key.DestroyedAt.ShouldBeNull();
    }

    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            Written += count;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// Writes records but cannot make them durable, as a full disk would: the put must fail before any index row exists.
    private sealed class FailingFlushStore(IBlobStore inner) : IBlobStore
    {
        public async Task<IPackWriter> OpenWriterAsync(Guid organizationId, CancellationToken ct) =>
            new Writer(await inner.OpenWriterAsync(organizationId, ct));

        public Task<byte[]> ReadAsync(Guid organizationId, PackLocation location, CancellationToken ct) => inner.ReadAsync(organizationId, location, ct);

        public PackDeletion Measure(Guid organizationId) => inner.Measure(organizationId);

        public Task<PackDeletion> DeleteOrganizationAsync(Guid organizationId, CancellationToken ct) => inner.DeleteOrganizationAsync(organizationId, ct);

        private sealed class Writer(IPackWriter inner) : IPackWriter
        {
            public Task<PackLocation> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct) => inner.AppendAsync(payload, ct);

            public Task FlushAsync(CancellationToken ct) => throw new IOException("Simulated: no space left on device.");

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
