using System.IO.Compression;

namespace Custos.DataPlane.Tests.Restore;

/// Reads downloaded archives back into their messages, for byte-for-byte comparisons.
internal static class ArchiveReader
{
    public static List<byte[]> Unzip(byte[] part)
    {
        using var zip = new ZipArchive(new MemoryStream(part), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(e =>
        {
            using var entry = e.Open();
            using var copy = new MemoryStream();
            entry.CopyTo(copy);
            return copy.ToArray();
        })];
    }

    /// Reads an mboxrd file back, byte for byte: a `From ` line starts a message, one `>` comes off
    /// each `>+From ` line, and the blank line the writer added after each message is dropped.
    public static List<byte[]> Unmbox(byte[] mbox)
    {
        var messages = new List<List<byte>>();
        var from = "From "u8.ToArray();
        var at = 0;
        while (at < mbox.Length)
        {
            var newline = Array.IndexOf(mbox, (byte)'\n', at);
            var end = newline < 0 ? mbox.Length : newline + 1;
            var line = mbox.AsSpan(at, end - at);
            at = end;
            if (line.StartsWith(from))
            {
                messages.Add([]);
                continue;
            }

            var quotes = 0;
            while (quotes < line.Length && line[quotes] == (byte)'>')
            {
                quotes++;
            }

            messages[^1].AddRange((quotes > 0 && line[quotes..].StartsWith(from) ? line[1..] : line).ToArray());
        }

        return [.. messages.Select(m => m.Take(m.Count - 1).ToArray())];
    }
}
