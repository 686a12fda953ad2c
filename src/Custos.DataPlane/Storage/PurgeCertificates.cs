using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Custos.DataPlane.Storage;

/// The facts a purge certificate attests.
public sealed record PurgeFacts(
    Guid OrganizationId,
    string OrganizationPublicId,
    Guid? KeyId,
    DateTimeOffset DestroyedAt,
    int PacksDeleted,
    long BytesDeleted,
    string TestDecryptionJson,
    DateTimeOffset IssuedAt);

public sealed record PurgeCertificateCheck(bool IsValid, string Reason);

/// Purge certificates: `{"certificate": {…}, "signature": {…}}`. The signature (ECDSA P-256 over
/// SHA-256, IEEE P1363 r‖s, base64) covers the exact UTF-8 text of the `certificate` value, so a
/// certificate verifies as long as it is kept byte for byte as issued.
public static class PurgeCertificates
{
    public const string Algorithm = "ES256";
    public const string Type = "custos.purge-certificate/v1";

    public static string Issue(PurgeFacts facts, PlatformKeys keys)
    {
        var body = Body(facts);
        var signature = keys.Signing.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("algorithm", Algorithm);
            json.WriteString("keyId", keys.SigningKeyId);
            json.WriteString("publicKey", Convert.ToBase64String(keys.SigningPublicKey));
            json.WriteString("value", Convert.ToBase64String(signature));
            json.WriteEndObject();
        }

        var signatureJson = Encoding.UTF8.GetString(buffer.ToArray()).Replace("\n", "\n  ", StringComparison.Ordinal);
        return "{\n  \"certificate\": " + body + ",\n  \"signature\": " + signatureJson + "\n}\n";
    }

    /// Checks the signature against the platform's signing key (SubjectPublicKeyInfo, DER), never
    /// against the key the document itself carries.
    public static PurgeCertificateCheck Verify(string document, ReadOnlySpan<byte> signingPublicKey)
    {
        try
        {
            using var parsed = JsonDocument.Parse(document);
            var root = parsed.RootElement;
            var body = root.GetProperty("certificate");
            var signature = root.GetProperty("signature");
            if (body.GetProperty("type").GetString() != Type)
            {
                return new(false, "Not a Custos purge certificate.");
            }

            if (signature.GetProperty("algorithm").GetString() != Algorithm)
            {
                return new(false, "Unknown signature algorithm.");
            }

            var value = Convert.FromBase64String(signature.GetProperty("value").GetString() ?? "");
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(signingPublicKey, out _);
            return key.VerifyData(Encoding.UTF8.GetBytes(body.GetRawText()), value, HashAlgorithmName.SHA256)
                ? new(true, "The signature is valid.")
                : new(false, "The signature does not match the certificate.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or CryptographicException)
        {
            return new(false, "The certificate is malformed: " + e.Message);
        }
    }

    private static string Body(PurgeFacts facts)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", Type);
            json.WriteString("organizationId", facts.OrganizationId);
            json.WriteString("organizationPublicId", facts.OrganizationPublicId);
            if (facts.KeyId is { } keyId)
            {
                json.WriteString("keyId", keyId);
            }
            else
            {
                json.WriteNull("keyId");
            }

            json.WriteString("destroyedAt", Instant(facts.DestroyedAt));
            json.WriteNumber("packsDeleted", facts.PacksDeleted);
            json.WriteNumber("bytesDeleted", facts.BytesDeleted);
            json.WritePropertyName("testDecryption");
            json.WriteRawValue(facts.TestDecryptionJson);
            json.WriteString("issuedAt", Instant(facts.IssuedAt));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\n", "\n  ", StringComparison.Ordinal);
    }

    private static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
