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
    AppDbContext db, OrganizationCommands commands, PurgeOrganization purge, LifecycleNotices notices, TimeProvider clock,
    ILogger<DeleteOrganization> log)
{
    public async Task<Result<DeleteOutcome>> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        // A deletion waiting for the Data Protection Officer has not happened yet: no notice.
        var outcome = await commands.RunAsync(command, AuditEventType.OrganizationDeleted, (o, now) => o.Delete(now), ct,
            (o, done, c) => done == DeleteOutcome.AwaitingDpoApproval ? Task.CompletedTask : notices.AddAsync(o, LifecycleNotice.Deleted, c));
        if (outcome.Error is not null || outcome.Value != DeleteOutcome.Deleted)
        {
            return outcome;
        }

        var org = await db.FindForChangeAsync(Scope.Everything, command.OrganizationId, clock.GetUtcNow(), ct);
        if (org is not null && org.IsPurgeDue(clock.GetUtcNow()))
        {
            try
            {
                // The deleted notice already said the data is destroyed: no second mail for the purge.
                await purge.CompleteAsync(org, notify: false, ct);
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
