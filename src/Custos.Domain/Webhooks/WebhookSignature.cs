using System.Security.Cryptography;
using System.Text;

namespace Custos.Domain.Webhooks;

/// Standard Webhooks signing (https://www.standardwebhooks.com): secrets read "whsec_" + base64 of
/// random bytes; a signature is "v1," + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")).
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const int SecretBytes = 32;

    /// How far a timestamp may be from now for <see cref="Verify"/> to accept it.
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// The key bytes of a "whsec_…" secret; null when it is not one (24–64 bytes of base64).
    public static byte[]? KeyOf(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
            return key.Length is >= 24 and <= 64 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string Sign(string secret, string webhookId, long timestamp, string body)
    {
        var key = KeyOf(secret) ?? throw new ArgumentException("Not a whsec_ secret.", nameof(secret));
        var content = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture)}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    /// The `webhook-signature` header: one signature per secret, space-separated.
    public static string Header(IEnumerable<string> secrets, string webhookId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(s => Sign(s, webhookId, timestamp, body)));

    /// Checks a delivery as a receiver got it against the endpoint's secrets.
    public static Result Verify(
        IEnumerable<string> secrets, string? webhookId, string? timestampHeader, string? signatureHeader, string body, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(webhookId))
        {
            return new SignatureHeaderMissing("webhook-id");
        }

        if (string.IsNullOrWhiteSpace(timestampHeader))
        {
            return new SignatureHeaderMissing("webhook-timestamp");
        }

        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return new SignatureHeaderMissing("webhook-signature");
        }

        if (!long.TryParse(timestampHeader.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timestamp)
            || timestamp > 253402300799)
        {
            return new SignatureTimestampInvalid();
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(timestamp);
        if (sent < now - Tolerance)
        {
            return new SignatureTooOld();
        }

        if (sent > now + Tolerance)
        {
            return new SignatureFromTheFuture();
        }

        var presented = signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Select(s => Encoding.ASCII.GetBytes(s))
            .ToList();
        foreach (var secret in secrets)
        {
            var expected = Encoding.ASCII.GetBytes(Sign(secret, webhookId.Trim(), timestamp, body));
            if (presented.Any(p => CryptographicOperations.FixedTimeEquals(p, expected)))
            {
                return Result.Ok;
            }
        }

        return new SignatureMismatch();
    }
}

public sealed record SignatureHeaderMissing(string Header) : Error("signature_header_missing", $"The {Header} header is missing.")
{
    public override string? Field => Header;
}

public sealed record SignatureTimestampInvalid()
    : Error("signature_timestamp_invalid", "webhook-timestamp must be the Unix time in seconds (an integer).")
{
    public override string? Field => "webhook-timestamp";
}

public sealed record SignatureTooOld()
    : Error("signature_too_old", "webhook-timestamp is more than 5 minutes old: the delivery may be replayed; reject it.")
{
    public override string? Field => "webhook-timestamp";
}

public sealed record SignatureFromTheFuture()
    : Error("signature_timestamp_in_future", "webhook-timestamp is more than 5 minutes ahead of Custos's clock; reject it.")
{
    public override string? Field => "webhook-timestamp";
}

public sealed record SignatureMismatch()
    : Error("signature_mismatch", "webhook-signature does not match this endpoint's secret for this id, timestamp and body.")
{
    public override string? Field => "webhook-signature";
}
