using System.IO.Compression;
using System.Text;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Infrastructure;

namespace Custos.DataPlane.Tests.Storage;

/// .eml, zip of .eml and mboxrd writers, split into parts no larger than a limit.
public sealed class ArchiveWriterTests
{
    private static readonly DateTimeOffset Stored = new(2026, 3, 5, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public async Task WriteEml_WritesTheMessageAsItIs()
    {
        var raw = Corpus.All()[3].Bytes;
        using var output = new MemoryStream();

        await ArchiveWriter.WriteEmlAsync(Message("a.eml", raw), output, CancellationToken.None);

        output.ToArray().ShouldBe(raw);
    }

    [Theory]
    [InlineData(20_000)]
    [InlineData(50_000)]
    [InlineData(200_000)]
    public async Task WriteZip_SplitsIntoPartsNoLargerThanTheLimit(long limit)
    {
        var messages = Enumerable.Range(0, 25).Select(i => (Name: $"message-{i:D2}.eml", Bytes: Corpus.RandomBytes(3_000 + (i * 331), i))).ToList();
        var parts = new Dictionary<int, MemoryStream>();

        var written = await ArchiveWriter.WriteZipAsync(
            Sequence(messages.Select(m => Message(m.Name, m.Bytes))), limit, n => parts[n] = new KeepOpenStream(), CancellationToken.None);

        written.Count.ShouldBe(parts.Count);
        written.Sum(p => p.Messages).ShouldBe(messages.Count);
        parts.Values.ShouldAllBe(p => p.Length <= limit);
        written.ShouldAllBe(p => p.Bytes == parts[p.Number].Length);
        if (limit == 20_000)
        {
            parts.Count.ShouldBeGreaterThan(5);
        }

        var entries = parts.OrderBy(p => p.Key).SelectMany(p => ReadZip(p.Value)).ToList();
        entries.Select(e => e.Name).ShouldBe(messages.Select(m => m.Name));
        for (var i = 0; i < messages.Count; i++)
        {
            entries[i].Bytes.ShouldBe(messages[i].Bytes);
        }
    }

    [Fact]
    public async Task WriteZip_AMessageLargerThanTheLimit_GoesAloneInItsOwnPart()
    {
        var small = Corpus.RandomBytes(1_000, 1);
        var huge = Corpus.RandomBytes(50_000, 2);
        var parts = new Dictionary<int, MemoryStream>();

        var written = await ArchiveWriter.WriteZipAsync(
            Sequence([Message("small-1.eml", small), Message("huge.eml", huge), Message("small-2.eml", small)]),
            10_000, n => parts[n] = new KeepOpenStream(), CancellationToken.None);

        written.Select(p => p.Messages).ShouldBe([1, 1, 1]);
        ReadZip(parts[2]).Single().Bytes.ShouldBe(huge);
        parts[1].Length.ShouldBeLessThanOrEqualTo(10_000);
        parts[3].Length.ShouldBeLessThanOrEqualTo(10_000);
    }

    [Fact]
    public async Task WriteMbox_QuotesFromLinesTheMboxrdWay()
    {
        var raw = Encoding.ASCII.GetBytes(
            "From: alice@example.com\r\nSubject: quoting\r\n\r\nFrom the start of a line\r\n>From already quoted\r\n>>From twice\r\n"
            + " From not at the start\r\nFromage is not From \r\n>Fro is not either\r\nFrom ");
        using var output = new KeepOpenStream();

        await ArchiveWriter.WriteMboxAsync(Sequence([Message("a.eml", raw)]), long.MaxValue, _ => output, CancellationToken.None);

        var text = Encoding.ASCII.GetString(output.ToArray());
        text.ShouldBe(
            "From MAILER-DAEMON Thu Mar  5 07:08:09 2026\n"
            + "From: alice@example.com\r\nSubject: quoting\r\n\r\n>From the start of a line\r\n>>From already quoted\r\n>>>From twice\r\n"
            + " From not at the start\r\nFromage is not From \r\n>Fro is not either\r\n>From \n\n");
    }

    [Fact]
    public async Task WriteMbox_SplitsIntoPartsNoLargerThanTheLimitAndUnquotesBackToTheMessages()
    {
        var messages = Enumerable.Range(0, 30)
            .Select(i => Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\n" + string.Concat(Enumerable.Repeat($"From line {i}\r\nbody\r\n", 40 + i))))
            .ToList();
        var parts = new Dictionary<int, MemoryStream>();

        var written = await ArchiveWriter.WriteMboxAsync(
            Sequence(messages.Select((m, i) => Message($"{i}.eml", m))), 8_000, n => parts[n] = new KeepOpenStream(), CancellationToken.None);

        parts.Count.ShouldBeGreaterThan(3);
        parts.Values.ShouldAllBe(p => p.Length <= 8_000);
        written.Sum(p => p.Messages).ShouldBe(messages.Count);
        var restored = parts.OrderBy(p => p.Key).SelectMany(p => Unmbox(p.Value.ToArray())).ToList();
        restored.Count.ShouldBe(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            restored[i].ShouldBe(Encoding.ASCII.GetString(messages[i]));
        }
    }

    private static ArchiveMessage Message(string name, byte[] bytes) =>
        new(name, bytes.Length, Stored, (stream, ct) => stream.WriteAsync(bytes, ct).AsTask());

    private static async IAsyncEnumerable<ArchiveMessage> Sequence(IEnumerable<ArchiveMessage> messages)
    {
        foreach (var message in messages)
        {
            await Task.Yield();
            yield return message;
        }
    }

    private static List<(string Name, byte[] Bytes)> ReadZip(MemoryStream part)
    {
        using var zip = new ZipArchive(new MemoryStream(part.ToArray()), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(e =>
        {
            using var entry = e.Open();
            using var copy = new MemoryStream();
            entry.CopyTo(copy);
            return (e.FullName, copy.ToArray());
        })];
    }

    /// Splits an mboxrd file back into messages: drops `From ` lines and one `>` of quoted ones.
    private static List<string> Unmbox(byte[] mbox)
    {
        var text = Encoding.ASCII.GetString(mbox);
        var messages = new List<string>();
        var entries = text.Split("\n\nFrom MAILER-DAEMON ", StringSplitOptions.None);
        for (var i = 0; i < entries.Length; i++)
        {
            // The split took each message's last newline; the last entry still has its blank line.
            var body = entries[i][(entries[i].IndexOf('\n', StringComparison.Ordinal) + 1)..];
            body = i < entries.Length - 1 ? body + "\n" : body[..^1];
            var lines = body.Split('\n').Select(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^>+From ") ? l[1..] : l);
            messages.Add(string.Join('\n', lines));
        }

        return messages;
    }

    /// A part's bytes stay readable after the writer disposes the stream.
    private sealed class KeepOpenStream : MemoryStream
    {
        protected override void Dispose(bool disposing)
        {
        }
    }
}
