using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// Deletes an organization and purges its data at once (unless the Data Protection Officer must
/// approve first, or WORM retention defers the purge). If the purge is interrupted after the
/// organization is marked Deleted, the purge job finishes it.
public sealed class DeleteOrganization(AppDbContext db, OrganizationCommands commands, PurgeOrganization purge, TimeProvider clock)
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
            var purged = await purge.CompleteAsync(org, ct);
            if (purged.Error is not null and not AlreadyPurged and not ConcurrentChange)
            {
                return purged.Error;
            }
        }

        return outcome;
    }
}
