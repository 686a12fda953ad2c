using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Custos.Web.Hosting;

/// Checks on the raw query string, before framework decoding hides a problem: an address with a
/// broken escape ("%E0%A4%A", "%FF") decodes leniently into different text than its author meant,
/// so a page can refuse it with a message instead of quietly searching for something else.
public static class QueryStrings
{
    /// True when any value of <paramref name="name"/> holds a "%" escape that is not two hex digits,
    /// or escapes that do not spell UTF-8.
    public static bool HasBrokenValue(QueryString query, string name)
    {
        var raw = query.Value;
        if (string.IsNullOrEmpty(raw))
        {
            return false;
        }

        foreach (var pair in raw.TrimStart('?').Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            if (Decode(key) is { } decodedKey && decodedKey == name && eq >= 0 && Decode(pair[(eq + 1)..]) is null)
            {
                return true;
            }
        }

        return false;
    }

    /// The decoded text, or null when the escapes are broken.
    private static string? Decode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length
                    || !byte.TryParse(encoded.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        var span = bytes.ToArray();
        return Utf8.IsValid(span) ? Encoding.UTF8.GetString(span) : null;
    }
}
