using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Data.Backup;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Backup;

/// A backup of the organization is running; another is not queued.
public sealed record BackupAlreadyRunning()
    : Error("backup_already_running", "A backup of this organization is running; its progress is shown below. Start another once it has finished.");

/// The organization's status does not let backups run.
public sealed record BackupNotAllowed(string Reason) : Error("backup_not_allowed", Reason);

/// The organization has no mailbox to back up.
public sealed record NothingToBackUp()
    : Error("nothing_to_back_up", "No mailbox is connected yet: connect one on the Credentials tab first.");

/// "Back up now": checks that a run may start (in scope, a mailbox connected, the status lets
/// backups run, none running) and audits the request; the host then queues the run.
public sealed class RequestBackup(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(command.Scope).AsNoTracking()
            .Where(o => o.Id == command.OrganizationId)
            .Select(o => new { o.Id, o.PartnerId, o.Status, o.PurgedAt, Keep = db.Partners.Where(p => p.Id == o.PartnerId).Select(p => p.KeepBackingUpSuspended).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (org.Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (BackupSchedule.WhyNot(org.Status, org.PurgedAt is not null, org.Keep) is { } why)
        {
            return new BackupNotAllowed(why);
        }

        if (!await db.ImapMailboxes.AnyAsync(m => m.OrganizationId == org.Id, ct))
        {
            return new NothingToBackUp();
        }

        if (await db.BackupRuns.AnyAsync(r => r.OrganizationId == org.Id && r.State == BackupRunState.Running && r.LeaseUntil > now, ct))
        {
            return new BackupAlreadyRunning();
        }

        db.AuditEntries.Add(AuditEntry.For(AuditEventType.BackupRequested, command.Actor, now, org.PartnerId, org.Id, null,
            JsonSerializer.Serialize(new { trigger = BackupTrigger.Manual.ToString() })));
        return await OrganizationCommands.SaveAsync(db, ct);
    }
}
