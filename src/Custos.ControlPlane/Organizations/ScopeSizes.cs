using System.Collections.Concurrent;

namespace Custos.ControlPlane.Organizations;

/// How many organizations a partner's subtree holds, remembered for a few seconds per subtree: the
/// PostgreSQL search picks its form from that size (ListOrganizations.Postgres.cs), and a search
/// typed letter by letter, or an API client paging through results, would otherwise ask for it on
/// every request. A size that is a little stale only picks a slower form for a moment: the answer
/// never depends on it.
public sealed class ScopeSizes(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// More subtrees than this in the cache clears it (each entry is one partner path).
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (long Size, DateTimeOffset Until)> _sizes = new(StringComparer.Ordinal);

    public async Task<long> GetAsync(string scopeKey, Func<Task<long>> count)
    {
        var now = clock.GetUtcNow();
        if (_sizes.TryGetValue(scopeKey, out var known) && known.Until > now)
        {
            return known.Size;
        }

        var size = await count();
        if (_sizes.Count >= MaxEntries)
        {
            _sizes.Clear();
        }

        _sizes[scopeKey] = (size, now + Lifetime);
        return size;
    }
}
