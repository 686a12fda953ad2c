using System.Collections.Concurrent;

namespace Custos.DataPlane.Connectors.Imap;

/// Caps the connections this node opens to one IMAP host (<see cref="ImapOptions.MaxConnectionsPerHost"/>).
/// One instance per process (register it as a singleton).
public sealed class ImapHostGate(ImapOptions options)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    /// Waits for a free slot for <paramref name="host"/>; dispose the result to give it back.
    public async Task<IDisposable> EnterAsync(string host, CancellationToken ct)
    {
        var gate = _hosts.GetOrAdd(host.Trim(), _ => new SemaphoreSlim(Math.Max(1, options.MaxConnectionsPerHost)));
        await gate.WaitAsync(ct);
        return new Slot(gate);
    }

    /// Slots in use for a host (for tests and diagnostics).
    public int InUse(string host) =>
        _hosts.TryGetValue(host.Trim(), out var gate) ? Math.Max(1, options.MaxConnectionsPerHost) - gate.CurrentCount : 0;

    private sealed class Slot(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
