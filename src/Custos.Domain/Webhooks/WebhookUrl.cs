namespace Custos.Domain.Webhooks;

/// A checked endpoint address: absolute HTTPS (plain HTTP only to localhost/127.0.0.1/[::1] when
/// the host allows it, for development and tests), no user name or password in it, no fragment,
/// at most <see cref="WebhookEndpoint.MaxUrlLength"/> characters.
public sealed record WebhookUrl
{
    private WebhookUrl(string value) => Value = value;

    public string Value { get; }

    public static Result<WebhookUrl> Parse(string? text, bool allowHttpLoopback)
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

        if (uri.Scheme == Uri.UriSchemeHttp && !(allowHttpLoopback && IsLoopback(uri)))
        {
            return new ValidationFailed("url", "URL must use https://.");
        }

        return new WebhookUrl(uri.AbsoluteUri);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.Host is "localhost" or "127.0.0.1" or "[::1]" || uri.IdnHost == "::1";
}
