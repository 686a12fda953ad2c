using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// The destructive half shared by Delete and the purge job: destroy the data, then record the purge
/// exactly once. When two runners race, both destroy (it is idempotent) and the concurrency token
/// lets only one record it. With <c>notify</c>, the purged notice is saved with the record.
public sealed class PurgeOrganization(AppDbContext db, IOrganizationDataPurger purger, LifecycleNotices notices, TimeProvider clock)
{
    public async Task<Result> CompleteAsync(Organization org, bool notify, CancellationToken ct)
    {
        await purger.PurgeAsync(org.Id, ct);
        var now = clock.GetUtcNow();
        var before = OrganizationCommands.Snapshot(org);
        var done = org.CompletePurge(now);
        if (!done.IsSuccess)
        {
            return done;
        }

        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.OrganizationPurged, Actor.System, now, org.PartnerId, org.Id, before, OrganizationCommands.Snapshot(org)));
        if (notify)
        {
            await notices.AddAsync(org, LifecycleNotice.Purged, ct);
        }

        return await OrganizationCommands.SaveAsync(db, ct);
    }
}
