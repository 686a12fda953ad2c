namespace Custos.DataPlane.Storage;

/// Where one record (a chunk's payload) lives: pack number, offset of the record, payload length.
public readonly record struct PackLocation(int Pack, long Offset, int Length);

/// What deleting an organization's packs removed.
public sealed record PackDeletion(int Packs, long Bytes);

/// Append-only packs of encrypted records per organization. The index of which record holds what
/// lives in the database; the store only knows packs and offsets.
public interface IBlobStore
{
    /// Opens the organization's current pack for appending. One writer per organization at a time:
    /// a second caller waits until the first is disposed.
    Task<IPackWriter> OpenWriterAsync(Guid organizationId, CancellationToken ct);

    /// The payload of the record at <paramref name="location"/>, checked against its frame.
    Task<byte[]> ReadAsync(Guid organizationId, PackLocation location, CancellationToken ct);

    /// A reader of many records of the organization (a restore, a download): pack files stay open
    /// until it is disposed.
    IPackReader OpenReader(Guid organizationId) => new RecordByRecordReader(this, organizationId);

    /// The organization's packs as they are now (for a purge's certificate).
    PackDeletion Measure(Guid organizationId);

    /// Deletes every pack of the organization (waits for a running writer). Idempotent.
    Task<PackDeletion> DeleteOrganizationAsync(Guid organizationId, CancellationToken ct);
}

public interface IPackWriter : IAsyncDisposable
{
    /// Appends one record, sealing the current pack and starting the next one when it is full.
    Task<PackLocation> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct);

    /// Makes every record appended so far durable (fsync). Index rows may point at them only after this.
    Task FlushAsync(CancellationToken ct);
}

/// One operation's reader: one read at a time.
public interface IPackReader : IDisposable
{
    /// The payload of the record at <paramref name="location"/>, checked against its frame. The
    /// memory may be the reader's own buffer: it is valid until the next read.
    ValueTask<ReadOnlyMemory<byte>> ReadAsync(PackLocation location, CancellationToken ct);
}

/// Reads each record through <see cref="IBlobStore.ReadAsync"/>.
internal sealed class RecordByRecordReader(IBlobStore store, Guid organizationId) : IPackReader
{
    public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(PackLocation location, CancellationToken ct) =>
        await store.ReadAsync(organizationId, location, ct);

    public void Dispose()
    {
    }
}
