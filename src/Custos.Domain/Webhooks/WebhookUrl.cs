using System.Net;

namespace Custos.Domain.Webhooks;

/// A checked endpoint address: absolute HTTPS (plain HTTP only to localhost/127.0.0.1/[::1] when
/// the host allows loopback, for development and tests), no user name or password in it, no fragment,
/// at most <see cref="WebhookEndpoint.MaxUrlLength"/> characters, and no host that the
/// <see cref="WebhookAddressPolicy"/> refuses by its literal address or by its name. Names are not resolved
/// here: what a name resolves to is checked at each delivery (DNS can change after registration).
public sealed record WebhookUrl
{
    public const string InternalAddressMessage = "Webhook URLs cannot point to private, loopback or link-local addresses.";

    private WebhookUrl(string value) => Value = value;

    public string Value { get; }

    public static Result<WebhookUrl> Parse(string? text, WebhookAddressPolicy policy)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            return new ValidationFailed("url", "URL is required.");
        }

        if (value.Length > WebhookEndpoint.MaxUrlLength || TextKey.HasControlCharacters(value) || value.Any(char.IsWhiteSpace))
        {
            return new ValidationFailed("url", $"URL must be at most {WebhookEndpoint.MaxUrlLength} characters without spaces.");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Host.Length == 0
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return new ValidationFailed("url", "URL must be an absolute https:// address, e.g. https://example.com/custos/webhooks.");
        }

        if (uri.UserInfo.Length > 0)
        {
            return new ValidationFailed("url", "URL must not contain a user name or password; authenticate deliveries with the signing secret.");
        }

        if (uri.Fragment.Length > 0)
        {
            return new ValidationFailed("url", "URL must not contain a fragment (#…).");
        }

        var range = RangeOf(uri);
        if (!policy.Allows(range))
        {
            return new ValidationFailed("url", InternalAddressMessage);
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !(policy.AllowLoopback && range == WebhookAddressRange.Loopback))
        {
            return new ValidationFailed("url", "URL must use https://.");
        }

        return new WebhookUrl(uri.AbsoluteUri);
    }

    /// The range of a literal address, or of a name that always means a local network; public otherwise.
    private static WebhookAddressRange RangeOf(Uri uri) =>
        uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address)
            ? WebhookAddressPolicy.RangeOf(address)
            : WebhookAddressPolicy.RangeOfName(uri.IdnHost) ?? WebhookAddressRange.Public;
}
