using MimeKit;
using MimeKit.Encodings;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace Custos.DataPlane.Storage;

/// One attachment cut out of a message: its encoded bytes span [Start, End) of the raw message,
/// its decoded content waits in memory (small parts) or a scratch file, and re-encoding it with <see cref="Layout"/> was
/// shown to reproduce those bytes exactly.
internal sealed class SplicedPart(long start, long end, byte[] blobId, PartLayout layout, Stream decoded) : IAsyncDisposable
{
    public long Start { get; } = start;

    public long End { get; } = end;

    public byte[] BlobId { get; } = blobId;

    public PartLayout Layout { get; } = layout;

    public Stream Decoded { get; } = decoded;

    public ValueTask DisposeAsync() => Decoded.DisposeAsync();
}

/// Finds the parts of a message worth storing on their own: leaf parts in base64 or
/// quoted-printable whose decoded content is at least <see cref="MinimumDecodedBytes"/>, and whose
/// re-encoding is proven byte-exact. Everything else stays in the message's skeleton verbatim; a
/// message MimeKit cannot parse yields no parts (it is stored whole).
internal static class MimeSplicer
{
    public const int MinimumDecodedBytes = 8 * 1024;

    public static async Task<List<SplicedPart>> SpliceAsync(Stream raw, DataKeyMaterial keys, StorageOptions options, CancellationToken ct)
    {
        var candidates = new List<(long Start, long End, ContentEncoding Encoding)>();
        try
        {
            raw.Position = 0;
            var parser = new MimeParser(raw, MimeFormat.Entity, persistent: true);
            var message = await parser.ParseMessageAsync(ct);
            Collect(message.Body, candidates, raw.Length);
        }
        catch (FormatException)
        {
            return [];
        }

        var parts = new List<SplicedPart>();
        var end = 0L;
        foreach (var (start, stop, encoding) in candidates.OrderBy(c => c.Start))
        {
            // Disjoint ranges only; each at least as long as the smallest decoded part could be.
            if (start < end || stop - start < MinimumDecodedBytes)
            {
                continue;
            }

            var part = await TryPartAsync(raw, keys, options, start, stop, encoding, ct);
            if (part is not null)
            {
                parts.Add(part);
                end = stop;
            }
        }

        return parts;
    }

    private static void Collect(MimeEntity? entity, List<(long, long, ContentEncoding)> into, long length)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    Collect(child, into, length);
                }

                break;
            case MessagePart { Message: { } inner }:
                Collect(inner.Body, into, length);
                break;
            case MimePart { Content.Stream: BoundStream bound } part
                when part.ContentTransferEncoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable:
                var end = bound.EndBoundary < 0 ? length : bound.EndBoundary;
                if (bound.StartBoundary >= 0 && end <= length && end > bound.StartBoundary)
                {
                    into.Add((bound.StartBoundary, end, part.ContentTransferEncoding));
                }

                break;
        }
    }

    private static async Task<SplicedPart?> TryPartAsync(
        Stream raw, DataKeyMaterial keys, StorageOptions options, long start, long end, ContentEncoding encoding, CancellationToken ct)
    {
        if (encoding == ContentEncoding.Base64 && raw is MemoryStream memory && memory.TryGetBuffer(out var buffer))
        {
            return TryBase64InMemory(buffer.Array!, buffer.Offset + (int)start, (int)(end - start), keys, start, end);
        }

        // Decoded content is never longer than its encoding.
        Stream decoded = end - start <= options.InMemoryMessageBytes
            ? new MemoryStream((int)(end - start))
            : TempFiles.Create(options.TempPath);
        try
        {
            using var hash = keys.CreateIdHash(BlobKind.Part);
            var filtered = new FilteredStream(new BoundStream(raw, start, end, leaveOpen: true));
            filtered.Add(DecoderFilter.Create(encoding));
            var copy = new byte[81920];
            int n;
            while ((n = await filtered.ReadAsync(copy, ct)) > 0)
            {
                hash.AppendData(copy, 0, n);
                await decoded.WriteAsync(copy.AsMemory(0, n), ct);
            }

            if (decoded.Length < MinimumDecodedBytes)
            {
                await decoded.DisposeAsync();
                return null;
            }

            var head = new byte[(int)Math.Min(4096, end - start)];
            raw.Position = start;
            await raw.ReadExactlyAsync(head, ct);
            raw.Position = end - 1;
            var last = (byte)raw.ReadByte();
            var layout = PartLayout.Detect(encoding, head, last);

            decoded.Position = 0;
            if (!await PartEncoding.MatchesAsync(decoded, layout, raw, start, end - start, ct))
            {
                await decoded.DisposeAsync();
                return null;
            }

            decoded.Position = 0;
            return new SplicedPart(start, end, hash.GetHashAndReset(), layout, decoded);
        }
        catch
        {
            await decoded.DisposeAsync();
            throw;
        }
    }

    /// The same for a base64 part of a message held in memory: decoded in one call into a pooled
    /// buffer and proven against the original bytes in place (<see cref="Base64Proof"/>).
    private static SplicedPart? TryBase64InMemory(byte[] message, int offset, int count, DataKeyMaterial keys, long start, long end)
    {
        var decoder = new Base64Decoder();
        var decoded = PooledBuffer.Rent(decoder.EstimateOutputLength(count));
        try
        {
            var encoded = message.AsSpan(offset, count);
            var layout = PartLayout.Detect(ContentEncoding.Base64, encoded[..Math.Min(4096, count)], encoded[^1]);
            var length = Base64Proof.DecodeLines(encoded, layout, decoded.Array) is var fast and >= 0
                ? fast
                : decoder.Decode(message, offset, count, decoded.Array);
            decoded.SetLength(length);
            if (length < MinimumDecodedBytes)
            {
                decoded.Dispose();
                return null;
            }

            if (!Base64Proof.Matches(decoded.Array.AsSpan(0, length), layout, encoded))
            {
                decoded.Dispose();
                return null;
            }

            using var hash = keys.CreateIdHash(BlobKind.Part);
            hash.AppendData(decoded.Array, 0, length);
            decoded.Position = 0;
            return new SplicedPart(start, end, hash.GetHashAndReset(), layout, decoded);
        }
        catch
        {
            decoded.Dispose();
            throw;
        }
    }
}
