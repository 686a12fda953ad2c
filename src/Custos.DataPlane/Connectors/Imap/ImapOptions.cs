namespace Custos.DataPlane.Connectors.Imap;

/// Limits and timings of IMAP work (configuration section `Custos:Imap`).
public sealed class ImapOptions
{
    /// Connect, TLS handshake and sign-in together.
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// One command's answer (a large message is many reads, each within this time).
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// Connections open at once to one server host, across all organizations on this node, so a
    /// provider does not see Custos as an attack.
    public int MaxConnectionsPerHost { get; set; } = 4;

    /// Messages fetched before the work so far is committed and the organization's status checked again.
    public int BatchSize { get; set; } = 200;

    /// Waits before reconnecting after a transient failure; the run fails when they are used up.
    public IReadOnlyList<TimeSpan> RetryDelays { get; set; } = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];
}
