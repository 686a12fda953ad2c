using System.Text;

namespace Custos.Domain;

/// The normal forms that uniqueness and search compare.
public static class TextKey
{
    /// Emails compare trimmed and case-insensitively.
    public static string Email(string email) => email.Trim().ToLowerInvariant();

    /// Names compare case-insensitively with white space trimmed and runs of it folded to one space,
    /// after Unicode compatibility normalization (so a full-width "Ａ" equals "a").
    public static string Name(string name)
    {
        var folded = name.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var sb = new StringBuilder(folded.Length);
        var pendingSpace = false;
        foreach (var c in folded)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// True when the text holds a control character (tabs and line breaks included) or a broken
    /// surrogate pair, which no single-line field accepts. Emoji (with their joiners) pass.
    public static bool HasControlCharacters(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }

                i++;
                continue;
            }

            if (char.IsLowSurrogate(c) || char.IsControl(c) || c is '\u2028' or '\u2029' or '\ufffe' or '\uffff')
            {
                return true;
            }
        }

        return false;
    }
}
