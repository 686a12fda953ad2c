using System.Security.Cryptography;

namespace Custos.Domain;

/// Public identifiers people read, copy and type: a prefix and Crockford base-32 characters
/// (no I, L, O or U), drawn at random so they reveal neither order nor count.
public static class PublicIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// How every Organization ID begins; the rest comes from an alphabet without "-".
    public const string OrganizationPrefix = "ORG-";

    public static string NewOrganizationId() => OrganizationPrefix + Random(8);

    public static string NewPartnerId() => "P-" + Random(7);

    private static string Random(int length) =>
        string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
}
