using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.Extensions.Logging;

namespace Custos.ControlPlane.Organizations;

/// Deletes an organization and purges its data at once (unless the Data Protection Officer must
/// approve first, or WORM retention defers the purge). If the purge is interrupted after the
/// organization is marked Deleted, the purge job finishes it.
public sealed class DeleteOrganization(
    AppDbContext db, OrganizationCommands commands, PurgeOrganization purge, TimeProvider clock, ILogger<DeleteOrganization> log)
{
    public async Task<Result<DeleteOutcome>> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        var outcome = await commands.RunAsync(command, AuditEventType.OrganizationDeleted, (o, now) => o.Delete(now), ct);
        if (outcome.Error is not null || outcome.Value != DeleteOutcome.Deleted)
        {
            return outcome;
        }

        var org = await db.FindForChangeAsync(Scope.Everything, command.OrganizationId, clock.GetUtcNow(), ct);
        if (org is not null && org.IsPurgeDue(clock.GetUtcNow()))
        {
            try
            {
                await purge.CompleteAsync(org, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The deletion itself is saved: nothing is readable by customers any more, and the
                // purge job retries the destruction until it succeeds.
                log.LogError(e, "Purging deleted organization {OrganizationId} failed; the purge job retries it", org.Id);
            }
        }

        return outcome;
    }
}
