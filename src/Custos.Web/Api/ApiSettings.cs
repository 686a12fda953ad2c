namespace Custos.Web.Api;

/// The `Custos:Api` configuration section.
public sealed class ApiSettings
{
    /// Requests per API key per window (429 beyond it).
    public int RateLimitPermits { get; set; } = 600;

    public int RateLimitWindowSeconds { get; set; } = 60;

    /// The largest request body accepted (413 beyond it).
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// How long an Idempotency-Key's first answer is kept.
    public int IdempotencyHours { get; set; } = 24;

    /// How long a node keeps an API key it read (ApiKeyCache): a key revoked on another node is
    /// refused within this many seconds (on the node that revoked it, at once). 0 reads every request.
    public int KeyCacheSeconds { get; set; } = 5;
}
