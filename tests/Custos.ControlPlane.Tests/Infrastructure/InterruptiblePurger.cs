using System.Collections.Concurrent;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// The real purger, except that an organization armed with <see cref="InterruptNext"/> fails its
/// next purge before touching any data, as a storage outage or a crash half-way would.
public sealed class InterruptiblePurger : IOrganizationDataPurger
{
    private readonly ConcurrentDictionary<Guid, bool> _armed = new();
    private IOrganizationDataPurger? _inner;

    /// Wraps the purger of the service provider being built.
    public InterruptiblePurger Around(IOrganizationDataPurger inner)
    {
        _inner = inner;
        return this;
    }

    public void InterruptNext(Guid organizationId) => _armed[organizationId] = true;

    public Task PurgeAsync(Guid organizationId, CancellationToken ct)
    {
        if (_armed.TryRemove(organizationId, out _))
        {
            throw new IOException($"Simulated storage failure while purging organization {organizationId}.");
        }

        return (_inner ?? throw new InvalidOperationException("No purger to wrap.")).PurgeAsync(organizationId, ct);
    }
}
