using System.Collections.Concurrent;
using Custos.Data;

namespace Custos.ControlPlane.ApiKeys;

/// What authenticating a request needs to know about a key and its partner.
public sealed record ApiKeyFacts(
    Guid Id,
    string Name,
    PartnerRole Role,
    string SecretHash,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    string CreatedByEmail,
    Guid PartnerId,
    string PartnerPath,
    string PartnerPublicId,
    string PartnerName);

/// A short in-memory cache of API keys by their lookup ID, so a busy key is not read from the
/// database on every request. Entries live <see cref="Lifetime"/>: a key revoked on this node is
/// refused from the next request on (<see cref="MarkRevoked"/>, called by RevokeApiKey), a key
/// revoked on another node within that lifetime. Unknown lookup IDs are never cached (a stream of
/// made-up keys cannot fill memory); the secret is checked against the cached hash on every request.
public sealed class ApiKeyCache(TimeProvider clock)
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(5);

    /// At most this many keys are kept; beyond it the cache is emptied and refills with the busy ones.
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // Keys revoked on this node: a load that read the row just before the revocation was saved
    // cannot bring the key back.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public TimeSpan Lifetime { get; init; } = DefaultLifetime;

    /// The key from the cache while fresh, else from <paramref name="load"/> (null: no such key).
    public async Task<ApiKeyFacts?> GetAsync(string lookupId, Func<Task<ApiKeyFacts?>> load)
    {
        var now = clock.GetUtcNow();
        ApiKeyFacts? facts;
        if (_entries.TryGetValue(lookupId, out var cached) && cached.Until > now)
        {
            facts = cached.Facts;
        }
        else
        {
            facts = await load();
            if (facts is null)
            {
                _entries.TryRemove(lookupId, out _);
                return null;
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[lookupId] = new Entry(facts, now + Lifetime);
        }

        return facts.RevokedAt is null && _revoked.TryGetValue(lookupId, out var at) ? facts with { RevokedAt = at } : facts;
    }

    /// The key was revoked here: refuse it from the next request on, without waiting for its entry to expire.
    public void MarkRevoked(string lookupId, DateTimeOffset revokedAt)
    {
        if (_revoked.Count >= MaxEntries)
        {
            _revoked.Clear();
        }

        _revoked[lookupId] = revokedAt;
        _entries.TryRemove(lookupId, out _);
    }

    /// The last-used time was written (or found written by another request): remember it so the
    /// next requests of the minute do not try again.
    public void Used(string lookupId, DateTimeOffset at)
    {
        if (_entries.TryGetValue(lookupId, out var current))
        {
            _entries.TryUpdate(lookupId, current with { Facts = current.Facts with { LastUsedAt = at } }, current);
        }
    }

    private sealed record Entry(ApiKeyFacts Facts, DateTimeOffset Until);
}
