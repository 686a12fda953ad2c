using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Custos.ControlPlane.Organizations;

/// Customer API tokens: "cst_" and 32 random bytes in base64url (256 bits).
public static class ApiTokens
{
    public const string Prefix = "cst_";

    public static string New() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// Plain SHA-256, no salt and no slow hash: the token is 256 random bits, not a password a person
    /// chose, so nothing can be guessed or looked up in a table, and a fast hash lets every API request
    /// find its account by an index on the hash.
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// The last four characters, kept for the masked display ("cst_••••abcd").
    public static string Hint(string token) => token[^4..];
}
