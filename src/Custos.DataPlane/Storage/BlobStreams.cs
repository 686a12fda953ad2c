using Custos.Data.Storage;
using ZstdSharp;

namespace Custos.DataPlane.Storage;

/// Writes one blob as a sequence of chunks: each chunk of plaintext is compressed (zstd), then
/// encrypted (AES-256-GCM, blob ID and chunk number as associated data), then appended to the pack.
/// Only one chunk is ever held in memory.
internal sealed class ChunkedBlobWriter(
    DataKeyMaterial keys, IPackWriter writer, byte[] blobId, StorageOptions options) : IDisposable
{
    private readonly byte[] _buffer = new byte[options.ChunkBytes];
    private readonly Compressor _compressor = new(options.CompressionLevel);
    private readonly List<StoredChunk> _chunks = [];
    private int _filled;

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == _buffer.Length)
            {
                await SealChunkAsync(ct);
            }
        }
    }

    /// Copies a range of <paramref name="source"/> into the blob.
    public async Task CopyFromAsync(Stream source, long start, long length, CancellationToken ct)
    {
        var buffer = new byte[81920];
        source.Position = start;
        while (length > 0)
        {
            var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), ct);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            await WriteAsync(buffer.AsMemory(0, n), ct);
            length -= n;
        }
    }

    /// Writes the last (possibly empty) chunk and returns the blob's index rows.
    public async Task<List<StoredChunk>> CompleteAsync(CancellationToken ct)
    {
        if (_filled > 0 || _chunks.Count == 0)
        {
            await SealChunkAsync(ct);
        }

        return _chunks;
    }

    public void Dispose() => _compressor.Dispose();

    private async Task SealChunkAsync(CancellationToken ct)
    {
        var seq = _chunks.Count;
        var compressed = _compressor.Wrap(_buffer.AsSpan(0, _filled));
        var payload = keys.Seal(blobId, seq, compressed);
        var location = await writer.AppendAsync(payload, ct);
        _chunks.Add(new StoredChunk
        {
            OrganizationId = keys.OrganizationId,
            BlobId = blobId,
            Seq = seq,
            Pack = location.Pack,
            Offset = location.Offset,
            Length = location.Length,
            PlainLength = _filled,
        });
        _filled = 0;
    }
}

/// Reads a blob back chunk by chunk: read the record, decrypt, decompress.
internal sealed class BlobReadStream(
    IBlobStore blobs, DataKeyMaterial keys, byte[] blobId, IReadOnlyList<StoredChunk> chunks) : Stream
{
    private readonly Decompressor _decompressor = new();
    private byte[] _current = [];
    private int _position;
    private int _next;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_position == _current.Length)
        {
            if (_next == chunks.Count)
            {
                return 0;
            }

            var chunk = chunks[_next];
            if (chunk.Seq != _next)
            {
                throw new InvalidDataException("A chunk of the blob is missing from the index.");
            }

            var payload = await blobs.ReadAsync(keys.OrganizationId, new PackLocation(chunk.Pack, chunk.Offset, chunk.Length), cancellationToken);
            var compressed = keys.Open(blobId, chunk.Seq, payload);
            _current = _decompressor.Unwrap(compressed).ToArray();
            if (_current.Length != chunk.PlainLength)
            {
                throw new InvalidDataException("A chunk decompressed to an unexpected length.");
            }

            _position = 0;
            _next++;
        }

        var n = Math.Min(buffer.Length, _current.Length - _position);
        _current.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Blobs are read asynchronously only (reading a chunk is I/O).
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read blobs asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decompressor.Dispose();
        }

        base.Dispose(disposing);
    }
}

internal static class TempFiles
{
    /// A private (0600) scratch file deleted when closed.
    public static FileStream Create(string folder)
    {
        Directory.CreateDirectory(folder);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
            BufferSize = 81920,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(folder, Guid.NewGuid().ToString("N") + ".spool"), options);
    }
}
