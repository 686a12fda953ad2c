namespace Custos.Domain.Organizations;

/// Destroys every byte of an organization's backup data. Must be idempotent: a purge interrupted
/// half-way is simply run again.
public interface IOrganizationDataPurger
{
    Task PurgeAsync(Guid organizationId, CancellationToken ct);
}
