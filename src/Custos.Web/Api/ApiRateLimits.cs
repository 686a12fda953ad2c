using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Custos.Web.Api;

/// A fixed window of <see cref="ApiSettings.RateLimitPermits"/> requests per API key (ASP.NET Core's
/// rate limiter, partitioned by key). Every answer tells the client where it stands with
/// RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset; a refusal is 429 with Retry-After.
public sealed class ApiRateLimits(ApiSettings settings, TimeProvider clock)
{
    public const string Policy = "api-key";

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    private TimeSpan Period => TimeSpan.FromSeconds(Math.Max(1, settings.RateLimitWindowSeconds));

    public RateLimitPartition<string> PartitionOf(HttpContext http)
    {
        var key = http.User.FindFirst(ApiKeyAuthenticationHandler.KeyClaim)?.Value
            ?? "ip:" + http.Connection.RemoteIpAddress;
        return RateLimitPartition.Get(key, k =>
        {
            var limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, settings.RateLimitPermits),
                Window = Period,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
            _windows[k] = new Window(limiter, clock.GetUtcNow());
            return limiter;
        });
    }

    /// Adds the RateLimit-* headers for the request's key (after its permit was taken).
    public void Describe(HttpContext http)
    {
        var key = http.User.FindFirst(ApiKeyAuthenticationHandler.KeyClaim)?.Value;
        if (key is null || !_windows.TryGetValue(key, out var window))
        {
            return;
        }

        var remaining = window.Limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
        Write(http, remaining, ResetSeconds(window));
    }

    public void OnRejected(OnRejectedContext context)
    {
        var http = context.HttpContext;
        var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? (int)Math.Ceiling(after.TotalSeconds)
            : (int)Period.TotalSeconds;
        retry = Math.Max(1, retry);
        http.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        Write(http, 0, retry);
    }

    private void Write(HttpContext http, long remaining, int reset)
    {
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = settings.RateLimitPermits.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
    }

    /// Seconds until the window the key is in ends (windows start when the key's limiter was made).
    private int ResetSeconds(Window window)
    {
        var period = Period.Ticks;
        var elapsed = (clock.GetUtcNow() - window.Since).Ticks % period;
        return Math.Max(1, (int)Math.Ceiling(TimeSpan.FromTicks(period - elapsed).TotalSeconds));
    }

    private sealed record Window(FixedWindowRateLimiter Limiter, DateTimeOffset Since);
}

/// Puts the RateLimit-* headers on every API answer.
public sealed class RateLimitHeadersFilter(ApiRateLimits limits) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        limits.Describe(context.HttpContext);
        return next(context);
    }
}
