using Custos.Domain.Organizations;

namespace Custos.Domain.Backup;

/// How a backup run tells the control plane what it found about a source (a wrong password, a
/// success that ends an error). The control plane implements it over its RecordSourceState use case,
/// as the system; the data plane only calls it.
public interface ISourceStateReports
{
    /// Records the source's state after a run; <paramref name="mailbox"/> names the mailbox the
    /// change is about, for the audit. Returns true when the source went into error or out of it.
    Task<Result<bool>> RecordAsync(Guid organizationId, SourceKind kind, string label, SourceState state, string? mailbox, CancellationToken ct);
}
