using System.Buffers;
using Custos.Data.Storage;
using ZstdSharp;

namespace Custos.DataPlane.Storage;

/// What writing blobs needs and can reuse from one blob to the next (one at a time): the chunk
/// buffer, the zstd compressor, the buffers a chunk is compressed and sealed into, and a copy
/// buffer, so storing a message allocates none of them.
internal sealed class ChunkScratch(StorageOptions options) : IDisposable
{
    public byte[] Chunk { get; } = new byte[options.ChunkBytes];

    public byte[] Compressed { get; } = new byte[Compressor.GetCompressBound(options.ChunkBytes)];

    public byte[] Sealed { get; } = new byte[Compressor.GetCompressBound(options.ChunkBytes) + DataKeyMaterial.Overhead];

    public byte[] CopyBuffer { get; } = new byte[81920];

    public Compressor Compressor { get; } = new(options.CompressionLevel);

    public void Dispose() => Compressor.Dispose();
}

/// Writes one blob as a sequence of chunks: each chunk of plaintext is compressed (zstd), then
/// encrypted (AES-256-GCM, blob ID and chunk number as associated data), then appended to the pack.
/// Only one chunk is ever held in memory (the scratch's buffer: one blob at a time per scratch).
internal sealed class ChunkedBlobWriter(
    DataKeyMaterial keys, IPackWriter writer, byte[] blobId, ChunkScratch scratch)
{
    private readonly byte[] _buffer = scratch.Chunk;
    private readonly Compressor _compressor = scratch.Compressor;
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
        var buffer = scratch.CopyBuffer;
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

    private async Task SealChunkAsync(CancellationToken ct)
    {
        var seq = _chunks.Count;
        var compressed = _compressor.Wrap(_buffer.AsSpan(0, _filled), scratch.Compressed);
        var sealedLength = keys.Seal(blobId, seq, scratch.Compressed.AsSpan(0, compressed), scratch.Sealed);
        var location = await writer.AppendAsync(scratch.Sealed.AsMemory(0, sealedLength), ct);
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

/// What reading chunks needs and can reuse from one chunk to the next: the decompressor and the
/// buffer a chunk is decrypted into (a chunk is decrypted and decompressed in one go, so the blob
/// streams of one reader, a skeleton and its part, can share them).
internal sealed class ChunkOpener : IDisposable
{
    private readonly Decompressor _decompressor = new();
    private byte[] _compressed = [];

    /// Decrypts and decompresses one chunk into <paramref name="plain"/> (exactly its plain length).
    public void Open(DataKeyMaterial keys, byte[] blobId, StoredChunk chunk, ReadOnlySpan<byte> payload, Span<byte> plain)
    {
        var length = payload.Length - DataKeyMaterial.Overhead;
        if (_compressed.Length < length)
        {
            _compressed = new byte[Math.Max(length, 64 * 1024)];
        }

        var compressed = _compressed.AsSpan(0, keys.Open(blobId, chunk.Seq, payload, _compressed));
        if (!_decompressor.TryUnwrap(compressed, plain, out var written) || written != plain.Length)
        {
            throw new InvalidDataException("A chunk decompressed to an unexpected length.");
        }
    }

    public void Dispose() => _decompressor.Dispose();
}

/// Reads a blob back chunk by chunk: read the record, decrypt, decompress (with the reader's
/// <see cref="ChunkOpener"/>) into a buffer rented for the stream's life.
internal sealed class BlobReadStream(
    IPackReader packs, DataKeyMaterial keys, ChunkOpener opener, byte[] blobId, IReadOnlyList<StoredChunk> chunks) : Stream
{
    private byte[] _current = [];
    private int _length;
    private int _position;
    private int _next;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_position == _length)
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

            var payload = await packs.ReadAsync(new PackLocation(chunk.Pack, chunk.Offset, chunk.Length), cancellationToken);
            if (_current.Length < chunk.PlainLength)
            {
                Release();
                _current = ArrayPool<byte>.Shared.Rent(chunk.PlainLength);
            }

            opener.Open(keys, blobId, chunk, payload.Span, _current.AsSpan(0, chunk.PlainLength));
            _length = chunk.PlainLength;
            _position = 0;
            _next++;
        }

        var n = Math.Min(buffer.Length, _length - _position);
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
        Release();
        base.Dispose(disposing);
    }

    private void Release()
    {
        if (_current.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_current);
            _current = [];
        }

        _length = 0;
        _position = 0;
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
