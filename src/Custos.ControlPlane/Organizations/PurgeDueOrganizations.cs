using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Custos.ControlPlane.Organizations;

public sealed record PurgeRun(int Purged, int AwaitingApproval, int Conflicts);

/// Purges every organization whose purge date has passed: Unsubscribed ones become Deleted first
/// (committed on its own, so an interrupted purge resumes as "Deleted, not yet purged"), then their
/// data is destroyed and the purge recorded. Run by the scheduler every minute.
public sealed class PurgeDueOrganizations(
    AppDbContext db, PurgeOrganization purge, LifecycleNotices notices, TimeProvider clock, ILogger<PurgeDueOrganizations> log)
{
    public const int BatchSize = 100;

    public async Task<PurgeRun> HandleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.Organizations.AsNoTracking()
            .Where(o => o.PurgedAt == null && o.PurgeDueAt <= now
                && (o.Status == OrganizationStatus.Unsubscribed || o.Status == OrganizationStatus.Deleted)

                // Purges already waiting for the Data Protection Officer are not retried every run
                // (they would fill every batch and starve the rest); approval makes them due again.
                && !(o.PendingDpoAction == PendingDpoAction.Purge && o.DpoApprovedAt == null))
            .OrderBy(o => o.PurgeDueAt)
            .Select(o => o.Id)
            .Take(BatchSize)
            .ToListAsync(ct);

        int purged = 0, waiting = 0, conflicts = 0;
        foreach (var id in due)
        {
            db.ChangeTracker.Clear();
            var org = await db.FindForChangeAsync(Scope.Everything, id, now, ct);
            if (org is null)
            {
                continue;
            }

            var before = OrganizationCommands.Snapshot(org);
            var versionBefore = org.Version;
            var wasUnsubscribed = org.Status == OrganizationStatus.Unsubscribed;
            var begun = org.BeginPurge(now);
            if (begun.Error is not null)
            {
                continue;
            }

            if (wasUnsubscribed)
            {
                // Either now Deleted (the purge date passed), or still waiting for the Data
                // Protection Officer, who has just been asked.
                if (org.Version != versionBefore)
                {
                    var type = org.Status == OrganizationStatus.Deleted
                        ? AuditEventType.OrganizationDeleted
                        : AuditEventType.OrganizationPurgeAwaitingApproval;
                    db.AuditEntries.Add(AuditEntry.For(type, Actor.System, now, org.PartnerId, org.Id, before, OrganizationCommands.Snapshot(org)));

                    // Deleted, but WORM retention holds the purge back: say so now; the purged
                    // notice follows when the retention ends.
                    if (org.Status == OrganizationStatus.Deleted && !begun.Value)
                    {
                        await notices.AddAsync(org, LifecycleNotice.Deleted, ct);
                    }
                }

                var saved = await OrganizationCommands.SaveAsync(db, ct);
                if (saved.Error is not null)
                {
                    conflicts++;
                    continue;
                }
            }

            if (!begun.Value)
            {
                waiting++;
                continue;
            }

            Result done;
            try
            {
                done = await purge.CompleteAsync(org, notify: true, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The organization stays Deleted and not yet purged, so the next run retries it; one
                // failing purge must not hold back the rest of the batch (it would come first every run).
                log.LogError(e, "Purging organization {OrganizationId} failed; the next run retries it", org.Id);
                conflicts++;
                continue;
            }

            if (done.IsSuccess)
            {
                purged++;
                log.LogInformation("Purged organization {OrganizationId}", org.Id);
            }
            else
            {
                conflicts++;
            }
        }

        return new PurgeRun(purged, waiting, conflicts);
    }

}
