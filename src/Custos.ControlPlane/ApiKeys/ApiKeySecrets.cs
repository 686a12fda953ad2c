using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Custos.Data;

namespace Custos.ControlPlane.ApiKeys;

/// A partner API key reads "cpk_{lookup}_{secret}": a 12-character public lookup ID (finds the row
/// by a unique index) and a 256-bit secret. Only the secret's SHA-256 is stored: the secret is
/// random, not a password a person chose, so a fast unsalted hash cannot be reversed or looked up.
public static class ApiKeySecrets
{
    public const string Prefix = "cpk_";

    public sealed record NewKey(string Key, string LookupId, string SecretHash);

    public static NewKey New()
    {
        // 9 random bytes are 12 base64url characters.
        var lookup = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return new NewKey($"{Prefix}{lookup}_{secret}", lookup, Hash(secret));
    }

    /// The lookup ID and secret of a presented key, or null for anything that is not shaped like one.
    public static (string LookupId, string Secret)? Parse(string? key)
    {
        if (key is null || key.Length > 200 || !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key.AsSpan(Prefix.Length);
        if (rest.Length <= PartnerApiKey.LookupIdLength + 1 || rest[PartnerApiKey.LookupIdLength] != '_')
        {
            return null;
        }

        var lookup = rest[..PartnerApiKey.LookupIdLength];
        var secret = rest[(PartnerApiKey.LookupIdLength + 1)..];
        return Base64Url.IsValid(lookup) && Base64Url.IsValid(secret) ? (lookup.ToString(), secret.ToString()) : null;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// Constant-time: how much of a wrong secret matched never shows in the time taken.
    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));

    /// What the list shows of a key: its public beginning.
    public static string Display(string lookupId) => $"{Prefix}{lookupId}_…";
}
