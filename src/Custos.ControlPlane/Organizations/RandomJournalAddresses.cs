using System.Security.Cryptography;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// Journal addresses like `j-` + 26 base-32 characters + `@journal.custos.localhost`: 16 random bytes
/// (128 bits), so an address cannot be guessed and mail for one organization cannot be slipped into
/// another's archive. The mail domain comes from configuration (Custos:JournalDomain).
public sealed class RandomJournalAddresses : IJournalAddressGenerator
{
    public const string DefaultDomain = "journal.custos.localhost";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public RandomJournalAddresses(string? mailDomain = null)
    {
        var domain = (string.IsNullOrWhiteSpace(mailDomain) ? DefaultDomain : mailDomain).Trim().ToLowerInvariant();
        if (domain.Length > 200 || domain.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')) || domain.StartsWith('.') || domain.EndsWith('.'))
        {
            throw new ArgumentException($"\"{mailDomain}\" is not a mail domain for journal addresses.", nameof(mailDomain));
        }

        Domain = domain;
    }

    public string Domain { get; }

    public string NewAddress() => $"j-{Base32(RandomNumberGenerator.GetBytes(16))}@{Domain}";

    /// RFC 4648 base 32, lower case, no padding: 16 bytes become 26 characters.
    public static string Base32(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[((bytes.Length * 8) + 4) / 5];
        int buffer = 0, bits = 0, n = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[n++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            chars[n++] = Alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(chars, 0, n);
    }
}
