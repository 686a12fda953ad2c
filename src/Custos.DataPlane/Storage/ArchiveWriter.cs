using System.Globalization;
using System.IO.Compression;

namespace Custos.DataPlane.Storage;

/// One message to put in an archive: its file name, its exact length, when it was stored, and how
/// to write its bytes.
public sealed record ArchiveMessage(string FileName, long Length, DateTimeOffset Date, Func<Stream, CancellationToken, Task> CopyToAsync);

/// One file of a split archive.
public sealed record ArchivePart(int Number, long Bytes, int Messages);

/// Writes stored messages as one .eml, or as a zip of .eml files or an mbox (mboxrd), split into
/// parts no larger than a byte limit. A message that alone exceeds the limit goes into a part of
/// its own, which is then larger than the limit: a message is never cut.
/// `openPart` is given the part number (1, 2, …); the writer disposes the stream it returns.
public static class ArchiveWriter
{
    /// Upper bounds of the zip's framing: local header and Zip64 extra, data descriptor, central
    /// directory entry with Zip64 extra (each besides the name), and the end records.
    private const int ZipLocalOverhead = 30 + 20 + 24;
    private const int ZipCentralOverhead = 46 + 28;
    private const int ZipEndOverhead = 22 + 56 + 20;

    /// The most a message of <paramref name="length"/> bytes, under a name of at most
    /// <paramref name="fileNameBytes"/> UTF-8 bytes, adds to a zip (entry and its directory record).
    public static long ZipEntryBound(int fileNameBytes, long length) =>
        ZipLocalOverhead + ZipCentralOverhead + (2L * (fileNameBytes + 16)) + StoredBound(length);

    /// The zip's end records.
    public const int ZipEndBound = ZipEndOverhead;

    /// The most a message of <paramref name="length"/> bytes adds to an mbox: the `From ` line,
    /// one `>` per quoted line (a quoted line holds at least the five bytes of "From "), and the
    /// final newlines.
    public static long MboxEntryBound(long length) => 64 + length + (length / 5) + 1 + 2;

    public static Task WriteEmlAsync(ArchiveMessage message, Stream destination, CancellationToken ct) =>
        message.CopyToAsync(destination, ct);

    public static async Task<List<ArchivePart>> WriteZipAsync(
        IAsyncEnumerable<ArchiveMessage> messages, long partLimit, Func<int, Stream> openPart, CancellationToken ct)
    {
        var parts = new List<ArchivePart>();
        CountingStream? output = null;
        ZipArchive? zip = null;
        long central = 0;
        var count = 0;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        async Task CloseAsync()
        {
            if (zip is not null && output is not null)
            {
                await zip.DisposeAsync();
                parts.Add(new ArchivePart(parts.Count + 1, output.Written, count));
                await output.DisposeAsync();
            }

            zip = null;
            output = null;
        }

        await foreach (var message in messages.WithCancellation(ct))
        {
            var nameBytes = System.Text.Encoding.UTF8.GetByteCount(message.FileName) + 16;
            var need = ZipLocalOverhead + nameBytes + StoredBound(message.Length) + ZipCentralOverhead + nameBytes;
            if (zip is not null && output!.Written + central + need + ZipEndOverhead > partLimit)
            {
                await CloseAsync();
            }

            if (zip is null)
            {
                output = new CountingStream(openPart(parts.Count + 1));
                zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
                central = 0;
                count = 0;
                names.Clear();
            }

            var name = Unique(names, message.FileName);
            var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
            entry.LastWriteTime = message.Date;
            await using (var entryStream = await entry.OpenAsync(ct))
            {
                await message.CopyToAsync(entryStream, ct);
            }

            central += ZipCentralOverhead + nameBytes;
            count++;
        }

        await CloseAsync();
        return parts;
    }

    public static async Task<List<ArchivePart>> WriteMboxAsync(
        IAsyncEnumerable<ArchiveMessage> messages, long partLimit, Func<int, Stream> openPart, CancellationToken ct)
    {
        var parts = new List<ArchivePart>();
        CountingStream? output = null;
        var count = 0;
        await foreach (var message in messages.WithCancellation(ct))
        {
            // The quoted length is known only by quoting: measure first, so the part never overflows.
            var measure = new CountingStream(Stream.Null);
            await WriteMboxEntryAsync(message, measure, ct);
            if (output is not null && output.Written + measure.Written > partLimit)
            {
                parts.Add(new ArchivePart(parts.Count + 1, output.Written, count));
                await output.DisposeAsync();
                output = null;
            }

            if (output is null)
            {
                output = new CountingStream(openPart(parts.Count + 1));
                count = 0;
            }

            await WriteMboxEntryAsync(message, output, ct);
            count++;
        }

        if (output is not null)
        {
            parts.Add(new ArchivePart(parts.Count + 1, output.Written, count));
            await output.DisposeAsync();
        }

        return parts;
    }

    /// `From ` line (asctime of the stored date), the message with mboxrd quoting (a line that
    /// matches `^>*From ` gets one more `>`), a final newline if missing, and a blank line.
    private static async Task WriteMboxEntryAsync(ArchiveMessage message, Stream output, CancellationToken ct)
    {
        var date = message.Date.UtcDateTime;
        var fromLine = string.Create(CultureInfo.InvariantCulture,
            $"From MAILER-DAEMON {date:ddd MMM} {date.Day,2} {date:HH:mm:ss yyyy}\n");
        await output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(fromLine), ct);
        var quoting = new MboxrdQuotingStream(output);
        await message.CopyToAsync(quoting, ct);
        await quoting.CompleteAsync(ct);
        await output.WriteAsync(quoting.EndedWithNewline ? "\n"u8.ToArray() : "\n\n"u8.ToArray(), ct);
    }

    /// Deflate's stored blocks add 5 bytes per 64 KiB block at most.
    private static long StoredBound(long length) => length + ((length / 65535) + 2) * 5;

    private static string Unique(HashSet<string> names, string name)
    {
        var candidate = name;
        for (var i = 2; !names.Add(candidate); i++)
        {
            candidate = Path.GetFileNameWithoutExtension(name) + $" ({i})" + Path.GetExtension(name);
        }

        return candidate;
    }
}

/// Adds one `>` to every line that matches `^>*From ` (mboxrd), streaming.
internal sealed class MboxrdQuotingStream(Stream output) : Stream
{
    private static readonly byte[] From = "From "u8.ToArray();
    private readonly List<byte> _pending = [];
    private bool _atLineStart = true;
    private byte _last;

    public bool EndedWithNewline => _last == (byte)'\n';

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = new List<byte>(buffer.Length + 8);
        foreach (var b in buffer.Span)
        {
            Feed(b, result);
        }

        if (buffer.Length > 0)
        {
            _last = buffer.Span[^1];
        }

        await output.WriteAsync(result.ToArray(), cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously.");

    /// Writes what is held back (an unfinished line start such as ">>Fro").
    public async Task CompleteAsync(CancellationToken ct)
    {
        await output.WriteAsync(_pending.ToArray(), ct);
        _pending.Clear();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Feed(byte b, List<byte> result)
    {
        if (!_atLineStart)
        {
            result.Add(b);
            _atLineStart = b == (byte)'\n';
            return;
        }

        // At a line start: hold bytes back while they can still become ">*From ".
        _pending.Add(b);
        var quoted = 0;
        while (quoted < _pending.Count && _pending[quoted] == (byte)'>')
        {
            quoted++;
        }

        var rest = _pending.Count - quoted;
        var stillPossible = rest <= From.Length && _pending.Skip(quoted).SequenceEqual(From.Take(rest));
        if (stillPossible && rest == From.Length)
        {
            result.Add((byte)'>');
            result.AddRange(_pending);
            _pending.Clear();
            _atLineStart = false;
        }
        else if (!stillPossible)
        {
            result.AddRange(_pending);
            _pending.Clear();
            _atLineStart = b == (byte)'\n';
        }
    }
}
