using System.Buffers;
using System.Buffers.Text;
using MimeKit;
using MimeKit.IO;
using MimeKit.IO.Filters;

namespace Custos.DataPlane.Storage;

/// How a part's decoded content was encoded in the original message, so it can be encoded again
/// byte for byte: base64 with a fixed line length (0: one line), line ending and whether the last
/// line ends with a newline; or quoted-printable as MimeKit writes it, with LF or CRLF.
public sealed record PartLayout(ContentEncoding Encoding, int LineLength, bool Crlf, bool FinalNewline)
{
    /// Guesses the layout from the encoded bytes; <see cref="PartEncoding.MatchesAsync"/> proves it.
    public static PartLayout Detect(ContentEncoding encoding, ReadOnlySpan<byte> head, byte last)
    {
        var newline = head.IndexOf((byte)'\n');
        var crlf = newline > 0 && head[newline - 1] == (byte)'\r';
        var lineLength = newline < 0 ? 0 : crlf ? newline - 1 : newline;
        return new PartLayout(encoding, lineLength, crlf, last == (byte)'\n');
    }
}

public static class PartEncoding
{
    private const int Base64Block = 3 * 16 * 1024;
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] Lf = "\n"u8.ToArray();

    /// Encodes <paramref name="decoded"/> with <paramref name="layout"/> into <paramref name="output"/>.
    public static async Task EncodeAsync(Stream decoded, Stream output, PartLayout layout, CancellationToken ct)
    {
        if (layout.Encoding == ContentEncoding.Base64)
        {
            await EncodeBase64Async(decoded, output, layout, ct);
        }
        else
        {
            await EncodeWithFilterAsync(decoded, output, layout, ct);
        }
    }

    /// Whether encoding <paramref name="decoded"/> reproduces exactly <paramref name="length"/> bytes of
    /// <paramref name="original"/> from <paramref name="start"/>.
    public static async Task<bool> MatchesAsync(Stream decoded, PartLayout layout, Stream original, long start, long length, CancellationToken ct)
    {
        using var compare = new ComparingStream(original, start, length);
        await EncodeAsync(decoded, compare, layout, ct);
        return compare.Matches;
    }

    private static async Task EncodeBase64Async(Stream decoded, Stream output, PartLayout layout, CancellationToken ct)
    {
        var input = ArrayPool<byte>.Shared.Rent(Base64Block);
        var encoded = ArrayPool<byte>.Shared.Rent(Base64.GetMaxEncodedToUtf8Length(Base64Block));
        var lines = ArrayPool<byte>.Shared.Rent((Base64.GetMaxEncodedToUtf8Length(Base64Block) * 2) + 4);
        var newline = layout.Crlf ? CrLf : Lf;
        var column = 0;
        try
        {
            while (true)
            {
                // Fill whole 3-byte groups so padding appears only at the very end.
                var filled = 0;
                int n;
                while (filled < Base64Block && (n = await decoded.ReadAsync(input.AsMemory(filled, Base64Block - filled), ct)) > 0)
                {
                    filled += n;
                }

                var final = filled < Base64Block;
                Base64.EncodeToUtf8(input.AsSpan(0, filled), encoded, out _, out var written, isFinalBlock: final);
                // A newline goes before the byte that would start a line past the line length: a
                // last line that is exactly full gets none here (FinalNewline says whether it has one).
                var outLength = 0;
                var rest = encoded.AsSpan(0, written);
                while (!rest.IsEmpty)
                {
                    if (layout.LineLength > 0 && column == layout.LineLength)
                    {
                        newline.CopyTo(lines, outLength);
                        outLength += newline.Length;
                        column = 0;
                    }

                    var take = layout.LineLength > 0 ? Math.Min(rest.Length, layout.LineLength - column) : rest.Length;
                    rest[..take].CopyTo(lines.AsSpan(outLength));
                    outLength += take;
                    column += take;
                    rest = rest[take..];
                }

                if (final && layout.FinalNewline)
                {
                    newline.CopyTo(lines, outLength);
                    outLength += newline.Length;
                }

                await output.WriteAsync(lines.AsMemory(0, outLength), ct);
                if (final)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(encoded);
            ArrayPool<byte>.Shared.Return(lines);
        }
    }

    private static async Task EncodeWithFilterAsync(Stream decoded, Stream output, PartLayout layout, CancellationToken ct)
    {
        var filtered = new FilteredStream(output);
        filtered.Add(EncoderFilter.Create(layout.Encoding));
        if (layout.Crlf)
        {
            filtered.Add(new Unix2DosFilter());
        }

        var buffer = new byte[81920];
        int n;
        while ((n = await decoded.ReadAsync(buffer, ct)) > 0)
        {
            await filtered.WriteAsync(buffer.AsMemory(0, n), ct);
        }

        await filtered.FlushAsync(ct);
    }

    /// A write-only stream that checks what is written against a range of another stream.
    private sealed class ComparingStream(Stream original, long start, long length) : Stream
    {
        private readonly byte[] _expected = new byte[81920];
        private long _compared;
        private bool _mismatch;

        public bool Matches => !_mismatch && _compared == length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _compared;

        public override long Position { get => _compared; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_mismatch)
            {
                return;
            }

            if (_compared + buffer.Length > length)
            {
                _mismatch = true;
                return;
            }

            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _expected.Length);
                original.Position = start + _compared;
                original.ReadExactly(_expected, 0, n);
                if (!buffer[..n].SequenceEqual(_expected.AsSpan(0, n)))
                {
                    _mismatch = true;
                    return;
                }

                _compared += n;
                buffer = buffer[n..];
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
