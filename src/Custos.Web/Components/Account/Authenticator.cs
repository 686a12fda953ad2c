using System.Text;

namespace Custos.Web.Components.Account;

/// How an authenticator app is set up (the shared key, the otpauth:// URI) and how a typed code is read.
public static class Authenticator
{
    public const int CodeLength = 6;

    /// The shared key in groups of four, the way a person copies it into an app.
    public static string FormatKey(string key)
    {
        var result = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            if (i > 0)
            {
                result.Append(' ');
            }

            result.Append(key.AsSpan(i, Math.Min(4, key.Length - i)));
        }

        return result.ToString().ToUpperInvariant();
    }

    /// The Key URI format authenticator apps read (from a QR code or a link).
    public static string KeyUri(string issuer, string account, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}"
        + $"?secret={key.ToUpperInvariant()}&issuer={Uri.EscapeDataString(issuer)}&digits={CodeLength}&period=30";

    /// The six digits of a typed code, spaces and dashes ignored; null when it is not six digits.
    public static string? ReadCode(string? typed)
    {
        var digits = new string([.. (typed ?? "").Where(c => c is not (' ' or '-' or '\t'))]);
        return digits.Length == CodeLength && digits.All(char.IsAsciiDigit) ? digits : null;
    }
}
