using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Custos.DataPlane.Storage;

/// Packs on the local filesystem: `{BlobPath}/{organization id N}/{number:D8}.pack`.
/// A record is `"CXR1" | payload length (u32 LE) | payload | first 8 bytes of SHA-256(payload)`.
/// Before the first append to a pack in a process, the pack is scanned and a torn tail (a record
/// cut short or not matching its checksum, left by a crash mid-write) is truncated away.
public sealed class LocalBlobStore(StorageOptions options) : IBlobStore
{
    private readonly StorageOptions _options = options;

    public const int RecordOverhead = 16;
    private const int HeaderBytes = 8;
    private const int ChecksumBytes = 8;
    private static readonly byte[] Magic = "CXR1"u8.ToArray();

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<string, bool> _checked = new(StringComparer.Ordinal);

    public string FolderOf(Guid organizationId) => Path.Combine(_options.BlobPath, organizationId.ToString("N"));

    public string PackPath(Guid organizationId, int pack) =>
        Path.Combine(FolderOf(organizationId), pack.ToString("D8", CultureInfo.InvariantCulture) + ".pack");

    public async Task<IPackWriter> OpenWriterAsync(Guid organizationId, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(organizationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(FolderOf(organizationId));
            var last = Packs(organizationId).LastOrDefault();
            var number = last == 0 ? 1 : last;
            var file = OpenForAppend(organizationId, number);
            if (file.Length >= _options.PackTargetBytes)
            {
                // Sealed by size: a batch may have filled it without a flush yet (it flushes only
                // the pack it ends in), so it becomes durable before the next pack starts.
                file.Flush(flushToDisk: true);
                await file.DisposeAsync();
                number++;
                file = OpenForAppend(organizationId, number);
            }

            return new Writer(this, organizationId, gate, number, file);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public async Task<byte[]> ReadAsync(Guid organizationId, PackLocation location, CancellationToken ct)
    {
        using var reader = OpenReader(organizationId);
        return (await reader.ReadAsync(location, ct)).ToArray();
    }

    public IPackReader OpenReader(Guid organizationId) => new Reader(this, organizationId);

    public PackDeletion Measure(Guid organizationId)
    {
        var folder = new DirectoryInfo(FolderOf(organizationId));
        if (!folder.Exists)
        {
            return new PackDeletion(0, 0);
        }

        var packs = folder.GetFiles("*.pack");
        return new PackDeletion(packs.Length, packs.Sum(p => p.Length));
    }

    public async Task<PackDeletion> DeleteOrganizationAsync(Guid organizationId, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(organizationId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var measured = Measure(organizationId);
            var folder = FolderOf(organizationId);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            foreach (var key in _checked.Keys.Where(k => k.StartsWith(folder, StringComparison.Ordinal)))
            {
                _checked.TryRemove(key, out _);
            }

            return measured;
        }
        finally
        {
            gate.Release();
        }
    }

    /// Pack numbers present on disk, ascending.
    public List<int> Packs(Guid organizationId)
    {
        var folder = FolderOf(organizationId);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return [.. Directory.GetFiles(folder, "*.pack")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .Where(n => n > 0)
            .Order()];
    }

    private FileStream OpenForAppend(Guid organizationId, int pack)
    {
        var path = PackPath(organizationId, pack);
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            Options = FileOptions.Asynchronous,
        });
        try
        {
            if (_checked.TryAdd(path, true))
            {
                TruncateTornTail(file);
            }

            file.Seek(0, SeekOrigin.End);
            return file;
        }
        catch
        {
            _checked.TryRemove(path, out _);
            file.Dispose();
            throw;
        }
    }

    /// Keeps the longest prefix of whole, intact records.
    private static void TruncateTornTail(FileStream file)
    {
        long valid = 0;
        var header = new byte[HeaderBytes];
        file.Position = 0;
        while (valid + HeaderBytes + ChecksumBytes <= file.Length)
        {
            file.Position = valid;
            file.ReadExactly(header);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (!header.AsSpan(0, 4).SequenceEqual(Magic) || valid + HeaderBytes + length + ChecksumBytes > file.Length)
            {
                break;
            }

            var body = new byte[length + ChecksumBytes];
            file.ReadExactly(body);
            if (!Checksum(body.AsSpan(0, (int)length)).SequenceEqual(body.AsSpan((int)length)))
            {
                break;
            }

            valid += HeaderBytes + length + ChecksumBytes;
        }

        if (valid != file.Length)
        {
            file.SetLength(valid);
            file.Flush(flushToDisk: true);
        }
    }

    private static byte[] Checksum(ReadOnlySpan<byte> payload) => SHA256.HashData(payload)[..ChecksumBytes];

    /// Keeps each pack it reads from open (a handle, no buffer) until disposed; positioned reads
    /// into one reused record buffer.
    private sealed class Reader(LocalBlobStore store, Guid organizationId) : IPackReader
    {
        private readonly Dictionary<int, Microsoft.Win32.SafeHandles.SafeFileHandle> _packs = [];
        private byte[] _record = [];

        public ValueTask<ReadOnlyMemory<byte>> ReadAsync(PackLocation location, CancellationToken ct)
        {
            if (!_packs.TryGetValue(location.Pack, out var handle))
            {
                handle = File.OpenHandle(
                    store.PackPath(organizationId, location.Pack), FileMode.Open, FileAccess.Read,
                    FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
                _packs[location.Pack] = handle;
            }

            var length = HeaderBytes + location.Length + ChecksumBytes;
            if (_record.Length < length)
            {
                _record = new byte[Math.Max(length, 64 * 1024)];
            }

            // A synchronous positioned read: packs are local files, and an asynchronous one would
            // only move the same read to a thread-pool thread.
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, _record.AsSpan(read, length - read), location.Offset + read);
                if (n == 0)
                {
                    throw new EndOfStreamException();
                }

                read += n;
            }

            ct.ThrowIfCancellationRequested();
            var record = _record.AsSpan(0, length);
            var payload = record.Slice(HeaderBytes, location.Length);
            Span<byte> checksum = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(payload, checksum);
            if (!record[..4].SequenceEqual(Magic)
                || BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != (uint)location.Length
                || !checksum[..ChecksumBytes].SequenceEqual(record[(HeaderBytes + location.Length)..]))
            {
                throw new InvalidDataException($"The record at {location} of organization {organizationId} is damaged.");
            }

            return ValueTask.FromResult<ReadOnlyMemory<byte>>(_record.AsMemory(HeaderBytes, location.Length));
        }

        public void Dispose()
        {
            foreach (var handle in _packs.Values)
            {
                handle.Dispose();
            }

            _packs.Clear();
        }
    }

    private sealed class Writer(LocalBlobStore store, Guid organizationId, SemaphoreSlim gate, int pack, FileStream file) : IPackWriter
    {
        private int _pack = pack;
        private FileStream _file = file;
        private bool _disposed;

        public async Task<PackLocation> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var recordLength = HeaderBytes + payload.Length + ChecksumBytes;
            if (_file.Length > 0 && (_file.Length >= store._options.PackTargetBytes || _file.Length + recordLength > store._options.PackMaxBytes))
            {
                // Seal: what was written so far becomes durable before the next pack starts.
                await _file.FlushAsync(ct);
                _file.Flush(flushToDisk: true);
                await _file.DisposeAsync();
                _pack++;
                _file = store.OpenForAppend(organizationId, _pack);
            }

            // Framed in a pooled buffer and written at once (no array per record).
            // The whole SHA-256 lands after the payload; its first bytes are the checksum.
            var record = ArrayPool<byte>.Shared.Rent(recordLength - ChecksumBytes + SHA256.HashSizeInBytes);
            try
            {
                Magic.CopyTo(record, 0);
                BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), (uint)payload.Length);
                payload.Span.CopyTo(record.AsSpan(HeaderBytes));
                SHA256.HashData(payload.Span, record.AsSpan(HeaderBytes + payload.Length, SHA256.HashSizeInBytes));
                var offset = _file.Position;
                await _file.WriteAsync(record.AsMemory(0, recordLength), ct);
                return new PackLocation(_pack, offset, payload.Length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(record);
            }
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await _file.FlushAsync(ct);
            _file.Flush(flushToDisk: true);
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await _file.DisposeAsync();
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
