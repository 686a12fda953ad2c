using System.Buffers.Binary;
using Custos.Data;
using Custos.DataPlane.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Tests.Infrastructure;

/// Short ways to store and read back through a fresh DI scope, as a backup run or a download would.
public static class StorageHarness
{
    public static async Task<StoredMessageRef> PutAsync(this IServiceProvider services, Guid organizationId, byte[] raw)
    {
        await using var scope = services.CreateAsyncScope();
        using var stream = new MemoryStream(raw);
        return await scope.ServiceProvider.GetRequiredService<MessageStore>().PutAsync(organizationId, stream, CancellationToken.None);
    }

    /// Stores the messages as one batch (as a backup run's batch does) and commits it, or, with
    /// <paramref name="commit"/> false, drops it after its records were written: a crash before the commit.
    public static async Task<List<StoredMessageRef>> PutBatchAsync(this IServiceProvider services, Guid organizationId, bool commit, params byte[][] raws)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        using var key = await scope.ServiceProvider.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, organizationId, CancellationToken.None);
        using var batch = scope.ServiceProvider.GetRequiredService<MessageStore>().BeginBatch(key);
        var refs = new List<StoredMessageRef>();
        foreach (var raw in raws)
        {
            using var stream = new MemoryStream(raw);
            refs.Add(await batch.AddAsync(stream, CancellationToken.None));
        }

        if (commit)
        {
            await batch.CommitAsync(token => db.SaveChangesAsync(token), CancellationToken.None);
        }

        return refs;
    }

    public static async Task<byte[]> ReadAsync(this IServiceProvider services, Guid organizationId, Guid messageId)
    {
        await using var scope = services.CreateAsyncScope();
        using var output = new MemoryStream();
        var found = await scope.ServiceProvider.GetRequiredService<MessageStore>().CopyToAsync(organizationId, messageId, output, CancellationToken.None);
        found.ShouldBeTrue();
        return output.ToArray();
    }

    public static async Task<StorageUsage> UsageAsync(this IServiceProvider services, Guid organizationId)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MessageStore>().UsageAsync(organizationId, CancellationToken.None);
    }

    public static async Task<T> InDatabaseAsync<T>(this IServiceProvider services, Func<AppDbContext, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// Every pack file of the organization.
    public static string[] PackFiles(this StorageFixture fixture, Guid organizationId)
    {
        var folder = new LocalBlobStore(fixture.Options).FolderOf(organizationId);
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder, "*.pack").Order(StringComparer.Ordinal)] : [];
    }

    /// The payloads of every record in a pack file, read by its framing alone.
    public static List<byte[]> Records(byte[] pack)
    {
        var records = new List<byte[]>();
        var at = 0;
        while (at + 16 <= pack.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(pack.AsSpan(at + 4));
            records.Add(pack.AsSpan(at + 8, length).ToArray());
            at += 16 + length;
        }

        return records;
    }

    public static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
