using System.Text;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Infrastructure;
using MimeKit;

namespace Custos.DataPlane.Tests.Storage;

/// The in-memory proof of a base64 part must say "matches" exactly when restoring (PartEncoding)
/// reproduces the original bytes: a "yes" too many would restore a different message.
public sealed class Base64ProofTests
{
    public static TheoryData<int, int, string, bool> Layouts()
    {
        var data = new TheoryData<int, int, string, bool>();
        foreach (var length in new[] { 8_192, 8_193, 8_194, 10_000, 49_152, 49_153 })
        {
            foreach (var (lineLength, newline) in new[] { (76, "\r\n"), (64, "\n"), (72, "\r\n"), (60, "\r\n"), (0, "\n"), (76, "\n") })
            {
                data.Add(length, lineLength, newline, true);
                data.Add(length, lineLength, newline, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Proof_AgreesWithTheRestoreEncoder_OnRegularAndDamagedText(int length, int lineLength, string newline, bool finalNewline)
    {
        var content = Corpus.RandomBytes(length, length + lineLength);
        var original = Encoding.ASCII.GetBytes(Corpus.Base64(content, lineLength, newline, finalNewline));
        var layout = PartLayout.Detect(ContentEncoding.Base64, original.AsSpan(0, Math.Min(4096, original.Length)), original[^1]);

        (await RestoreReproducesAsync(content, layout, original)).ShouldBeTrue();
        Base64Proof.Matches(content, layout, original).ShouldBeTrue();

        foreach (var damaged in Damaged(original, newline))
        {
            Base64Proof.Matches(content, layout, damaged).ShouldBe(await RestoreReproducesAsync(content, layout, damaged));
            Base64Proof.Matches(content, layout, damaged).ShouldBeFalse();
        }

        // Other content with the same text is never a match.
        var other = (byte[])content.Clone();
        other[length / 2] ^= 1;
        Base64Proof.Matches(other, layout, original).ShouldBeFalse();
        Base64Proof.Matches(content.AsSpan(0, length - 1), layout, original).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void DecodeLines_GivesTheContent_OrDeclinesWhatItCannotDecode(int length, int lineLength, string newline, bool finalNewline)
    {
        var content = Corpus.RandomBytes(length, length + lineLength + 7);
        var original = Encoding.ASCII.GetBytes(Corpus.Base64(content, lineLength, newline, finalNewline));
        var layout = PartLayout.Detect(ContentEncoding.Base64, original.AsSpan(0, Math.Min(4096, original.Length)), original[^1]);
        var into = new byte[original.Length];

        var written = Base64Proof.DecodeLines(original, layout, into);
        written.ShouldBe(length);
        into.AsSpan(0, written).SequenceEqual(content).ShouldBeTrue();

        // A character outside the alphabet, or a newline where a line should go on: declined, so the
        // caller falls back to the lenient decoder (and the proof then decides).
        var outside = (byte[])original.Clone();
        outside[original.Length / 3] = (byte)'*';
        Base64Proof.DecodeLines(outside, layout, into).ShouldBe(-1);
        if (lineLength > 0)
        {
            var shifted = (byte[])original.Clone();
            shifted[lineLength] = (byte)'A';
            Base64Proof.DecodeLines(shifted, layout, into).ShouldBe(-1);
        }

        // Lines that are not whole 4-character groups are not this decoder's to read.
        Base64Proof.DecodeLines(original, layout with { LineLength = 74 }, into).ShouldBe(-1);
    }

    private static IEnumerable<byte[]> Damaged(byte[] original, string newline)
    {
        var flipped = (byte[])original.Clone();
        flipped[original.Length / 3] = (byte)(flipped[original.Length / 3] == (byte)'A' ? 'B' : 'A');
        yield return flipped;
        yield return original[..^1];
        yield return [.. original, (byte)'\n'];
        yield return [.. "\r\n"u8, .. original[2..]];
        var at = Encoding.ASCII.GetString(original).IndexOf(newline, StringComparison.Ordinal);
        if (at > 0 && at < original.Length - newline.Length)
        {
            // One newline moved by one character: same length, same characters, other lines.
            var moved = (byte[])original.Clone();
            moved[at - 1] = original[at];
            moved[at + newline.Length - 1] = original[at - 1];
            if (newline.Length == 2)
            {
                moved[at] = original[at + 1];
            }

            yield return moved;
        }
    }

    private static async Task<bool> RestoreReproducesAsync(byte[] content, PartLayout layout, byte[] original)
    {
        using var output = new MemoryStream();
        await PartEncoding.EncodeAsync(new MemoryStream(content), output, layout, CancellationToken.None);
        return output.ToArray().AsSpan().SequenceEqual(original);
    }
}
