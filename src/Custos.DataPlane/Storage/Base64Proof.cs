using System.Buffers;
using System.Buffers.Text;

namespace Custos.DataPlane.Storage;

/// The proof of a base64 part held in memory, without streams: whether
/// <see cref="PartEncoding.EncodeAsync"/> of <c>decoded</c> with <c>layout</c> gives exactly
/// <c>original</c>. It encodes the content once (vectorized) into a pooled buffer and compares it
/// line by line with the original bytes in place. The layout rules are those of
/// <see cref="PartEncoding"/>: lines of <see cref="PartLayout.LineLength"/> characters (0: one line)
/// separated by the newline, and one newline after the last line when
/// <see cref="PartLayout.FinalNewline"/>. A test holds the two to the same answer.
public static class Base64Proof
{
    public static bool Matches(ReadOnlySpan<byte> decoded, PartLayout layout, ReadOnlySpan<byte> original)
    {
        ReadOnlySpan<byte> newline = layout.Crlf ? "\r\n"u8 : "\n"u8;
        var text = Base64.GetMaxEncodedToUtf8Length(decoded.Length);
        var lines = layout.LineLength > 0 ? Math.Max(1, (text + layout.LineLength - 1) / layout.LineLength) : 1;
        var expected = (long)text + ((long)(lines - 1) * newline.Length) + (layout.FinalNewline ? newline.Length : 0);
        if (text == 0 || expected != original.Length)
        {
            return false;
        }

        var encoded = ArrayPool<byte>.Shared.Rent(text);
        try
        {
            if (Base64.EncodeToUtf8(decoded, encoded, out _, out var written) != OperationStatus.Done || written != text)
            {
                return false;
            }

            var step = layout.LineLength > 0 ? layout.LineLength : text;
            var at = 0;
            for (var from = 0; from < text; from += step)
            {
                var line = Math.Min(step, text - from);
                if (!original.Slice(at, line).SequenceEqual(encoded.AsSpan(from, line)))
                {
                    return false;
                }

                at += line;
                if (from + line < text || layout.FinalNewline)
                {
                    if (!original.Slice(at, newline.Length).SequenceEqual(newline))
                    {
                        return false;
                    }

                    at += newline.Length;
                }
            }

            return at == original.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    /// Decodes base64 laid out as <paramref name="layout"/> says (lines of a whole number of 4-character
    /// groups, each but the last followed by the newline) line by line with the vectorized strict
    /// decoder. -1 when the text is not laid out that way or a line does not decode: the caller then
    /// decodes with MimeKit's lenient decoder. Either way the proof decides whether the part is kept,
    /// so this only saves time; it never changes what is stored.
    public static int DecodeLines(ReadOnlySpan<byte> encoded, PartLayout layout, Span<byte> into)
    {
        var newline = layout.Crlf ? 2 : 1;
        var text = encoded.Length - (layout.FinalNewline ? newline : 0);
        var line = layout.LineLength > 0 ? layout.LineLength : text;
        if (text <= 0 || line <= 0 || line % 4 != 0)
        {
            return -1;
        }

        var written = 0;
        var at = 0;
        while (at < text)
        {
            var last = text - at <= line;
            var span = encoded.Slice(at, last ? text - at : line);
            if (Base64.DecodeFromUtf8(span, into[written..], out var consumed, out var n, isFinalBlock: last) != OperationStatus.Done
                || consumed != span.Length)
            {
                return -1;
            }

            written += n;
            at += span.Length;
            if (!last)
            {
                if (encoded.Length - at < newline || encoded[at] != (byte)(layout.Crlf ? '\r' : '\n') || (layout.Crlf && encoded[at + 1] != (byte)'\n'))
                {
                    return -1;
                }

                at += newline;
            }
        }

        return written;
    }
}

/// A fixed-capacity memory stream over an array rented from the shared pool, returned on dispose.
internal sealed class PooledBuffer : MemoryStream
{
    private byte[]? _rented;

    private PooledBuffer(byte[] rented)
        : base(rented, 0, rented.Length, writable: true, publiclyVisible: true)
    {
        _rented = rented;
    }

    /// The rented array (valid until disposed).
    public byte[] Array => _rented ?? throw new ObjectDisposedException(nameof(PooledBuffer));

    public static PooledBuffer Rent(int capacity) => new(ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1)));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
