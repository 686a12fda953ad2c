using System.Text;

namespace Custos.DataPlane.Tests.Infrastructure;

/// A message of the test corpus. <see cref="Spliceable"/>: whether an attachment is expected to be
/// stored apart from the message (its re-encoding is exact); null when either is fine.
public sealed record CorpusMessage(string Name, byte[] Bytes, bool? Spliceable);

/// Raw messages generated for the tests: every shape that must come back byte for byte.
public static class Corpus
{
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// Base64 of <paramref name="data"/> in lines of <paramref name="lineLength"/> (0: one line).
    public static string Base64(byte[] data, int lineLength, string newline, bool finalNewline)
    {
        var text = Convert.ToBase64String(data);
        if (lineLength == 0)
        {
            return text + (finalNewline ? newline : "");
        }

        var lines = Enumerable.Range(0, (text.Length + lineLength - 1) / lineLength)
            .Select(i => text.Substring(i * lineLength, Math.Min(lineLength, text.Length - (i * lineLength))));
        return string.Join(newline, lines) + (finalNewline ? newline : "");
    }

    public static byte[] WithAttachment(
        string subject, byte[] attachment, int lineLength = 76, string newline = "\r\n", string fileName = "report.bin", int seed = 0)
    {
        var nl = newline;
        var text = new StringBuilder()
            .Append("From: Alice Example <alice@example.com>").Append(nl)
            .Append("To: Bob <bob@example.org>").Append(nl)
            .Append("Subject: ").Append(subject).Append(nl)
            .Append("Date: Tue, 10 Mar 2026 09:00:00 +0000").Append(nl)
            .Append("Message-ID: <").Append(subject.GetHashCode(StringComparison.Ordinal)).Append('.').Append(seed).Append("@example.com>").Append(nl)
            .Append("MIME-Version: 1.0").Append(nl)
            .Append("Content-Type: multipart/mixed; boundary=\"b1\"").Append(nl)
            .Append(nl)
            .Append("--b1").Append(nl)
            .Append("Content-Type: text/plain; charset=utf-8").Append(nl)
            .Append(nl)
            .Append("Please find the report attached (").Append(seed).Append(").").Append(nl)
            .Append("--b1").Append(nl)
            .Append("Content-Type: application/octet-stream; name=\"").Append(fileName).Append('"').Append(nl)
            .Append("Content-Transfer-Encoding: base64").Append(nl)
            .Append("Content-Disposition: attachment; filename=\"").Append(fileName).Append('"').Append(nl)
            .Append(nl)
            .Append(Base64(attachment, lineLength, nl, finalNewline: true))
            .Append("--b1--").Append(nl);
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static IReadOnlyList<CorpusMessage> All()
    {
        var list = new List<CorpusMessage>
        {
            new("plain text", Encoding.ASCII.GetBytes(
                "From: a@example.com\r\nTo: b@example.com\r\nSubject: Hello\r\n\r\nJust text.\r\nSecond line.\r\n"), false),
            new("plain text without final newline", Encoding.ASCII.GetBytes(
                "From: a@example.com\r\nSubject: No newline\r\n\r\nThe end"), false),
            new("empty", [], false),
            new("base64, 76 columns, CRLF", WithAttachment("seventy-six", RandomBytes(20_000, 1)), true),
            new("base64, 64 columns, LF only", WithAttachment("sixty-four", RandomBytes(30_000, 2), 64, "\n"), true),
            new("base64, 72 columns, CRLF", WithAttachment("seventy-two", RandomBytes(12_345, 3), 72), true),
            new("base64, 60 columns (not a multiple of 4 after the last line)", WithAttachment("sixty", RandomBytes(9_001, 4), 60), true),
            new("base64, one long line", WithAttachment("one line", RandomBytes(16_000, 5), 0), true),
            new("base64, small attachment stays in the skeleton", WithAttachment("small", RandomBytes(2_000, 6)), false),
            new("base64, irregular lines", IrregularBase64(), false),
            new("base64, trailing whitespace on lines", TrailingSpaces(), false),
            new("quoted-printable", QuotedPrintable(), null),
            new("nested message/rfc822 with an attachment", Nested(), true),
            new("malformed MIME: missing closing boundary", Encoding.ASCII.GetBytes(
                "Subject: broken\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + Base64(RandomBytes(10_000, 7), 76, "\r\n", false)), null),
            new("malformed MIME: header garbage and NULs", [.. Encoding.ASCII.GetBytes("This is : not\r\n:: a header\r\n\0\0\r\nX"), .. RandomBytes(5_000, 8)], false),
            new("8-bit headers", EightBitHeaders(), false),
            new("mixed line endings", Encoding.ASCII.GetBytes("Subject: mixed\r\nFrom: x@example.com\n\r\nbody line\rbare CR\nLF\r\n"), false),
            new("not MIME at all (random bytes)", RandomBytes(40_000, 9), false),
            new("base64 with non-zero padding bits (decodes, re-encodes differently)", NonCanonicalPadding(), false),
            new("base64 with characters outside the alphabet", OutsideTheAlphabet(), false),
            new("base64, CRLF lines with one bare LF among them", OneBareLf(), false),
            new("base64 part ending the message without a final newline", WithoutFinalNewline(), true),
            new("nested multiparts: alternative and two attachments in mixed, in mixed", NestedMultiparts(), true),
        };
        return list;
    }

    private static byte[] IrregularBase64()
    {
        var text = Base64(RandomBytes(15_000, 10), 76, "\r\n", true);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var joined = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            joined.Append(lines[i]).Append(i % 7 == 3 ? "\r\n\r\n" : "\r\n");
        }

        return Encoding.ASCII.GetBytes(
            "Subject: irregular\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
            + "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + joined + "--q--\r\n");
    }

    private static byte[] TrailingSpaces()
    {
        var text = Base64(RandomBytes(12_000, 11), 76, " \r\n", true);
        return Encoding.ASCII.GetBytes(
            "Subject: spaces\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
            + "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + text + "--q--\r\n");
    }

    private static byte[] QuotedPrintable()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 400; i++)
        {
            body.Append("Line ").Append(i).Append(" caf=C3=A9 na=C3=AFve =3D equals, a long line that goes on and on to be soft=\r\n")
                .Append(" broken here.\r\n");
        }

        return Encoding.ASCII.GetBytes(
            "Subject: qp\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + body);
    }

    private static byte[] Nested()
    {
        var inner = Encoding.ASCII.GetString(WithAttachment("inner", RandomBytes(11_000, 12)));
        return Encoding.ASCII.GetBytes(
            "Subject: forwarded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n"
            + "Content-Type: text/plain\r\n\r\nSee below.\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--outer--\r\n");
    }

    private static byte[] SinglePart(string subject, string encoded) => Encoding.ASCII.GetBytes(
        "Subject: " + subject + "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n"
        + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded + "--q--\r\n");

    private static byte[] NonCanonicalPadding()
    {
        // 10,000 bytes end in one byte: "xx==" whose second character carries 4 bits that decoding drops.
        var text = Base64(RandomBytes(10_000, 13), 76, "\r\n", true);
        var end = text.LastIndexOf("==", StringComparison.Ordinal);
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var bits = alphabet.IndexOf(text[end - 1], StringComparison.Ordinal);
        var noisy = text[..(end - 1)] + alphabet[bits ^ 0x05] + text[end..];
        return SinglePart("padding", noisy);
    }

    private static byte[] OutsideTheAlphabet()
    {
        var text = Base64(RandomBytes(14_000, 14), 76, "\r\n", true);
        return SinglePart("alphabet", text[..500] + "*" + text[501..1000] + "?" + text[1001..]);
    }

    private static byte[] OneBareLf()
    {
        var text = Base64(RandomBytes(13_000, 15), 76, "\r\n", true);
        var at = text.IndexOf("\r\n", 2_000, StringComparison.Ordinal);
        return SinglePart("bare LF", text[..at] + "\n" + text[(at + 2)..]);
    }

    private static byte[] WithoutFinalNewline() => Encoding.ASCII.GetBytes(
        "Subject: last\r\nMIME-Version: 1.0\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + Base64(RandomBytes(12_000, 16), 76, "\r\n", false));

    private static byte[] NestedMultiparts() => Encoding.ASCII.GetBytes(
        "Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\npreamble\r\n--outer\r\n"
        + "Content-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\n"
        + "Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n--alt\r\n"
        + "Content-Type: text/html\r\n\r\n<p>html</p>\r\n--alt--\r\n--inner\r\n"
        + "Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64(RandomBytes(20_000, 17), 76, "\r\n", true)
        + "--inner\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64(RandomBytes(9_000, 18), 64, "\n", true)
        + "--inner--\r\n--outer--\r\nepilogue");

    private static byte[] EightBitHeaders() =>
    [
        .. Encoding.ASCII.GetBytes("Subject: "), .. Encoding.UTF8.GetBytes("Grüße aus Köln — ünïcödé"),
        .. Encoding.ASCII.GetBytes("\r\nFrom: "), .. Encoding.Latin1.GetBytes("Jürgen Müller <j@example.de>"),
        .. Encoding.ASCII.GetBytes("\r\nTo: x@example.com\r\n\r\n"), .. Encoding.UTF8.GetBytes("Body with ümlauts.\r\n"),
    ];
}
