using Custos.Data;
using Custos.Data.Backup;
using Custos.Domain;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Backup;

/// One mailbox on the Backups tab.
public sealed record MailboxBackupRow(
    Guid MailboxId, string UserName, string Host, int Messages, long Bytes, DateTimeOffset? LastSuccessAt, string? LastError);

/// A run as the Backups tab shows it.
public sealed record BackupRunRow(
    Guid Id, BackupRunState State, BackupTrigger Trigger, int Attempt, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    int Mailboxes, int MailboxesDone, int Messages, long Bytes, string? LastError);

/// What the Backups tab shows: the schedule, the mailboxes, the running run and the last ones.
public sealed record BackupOverview(
    OrganizationStatus Status,
    int Version,
    int RunsPerDay,
    string? WhyNotRunning,
    IReadOnlyList<MailboxBackupRow> Mailboxes,
    BackupRunRow? Running,
    IReadOnlyList<BackupRunRow> Recent);

public sealed class GetBackupOverview(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<BackupOverview>> HandleAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        var org = await db.InScope(scope).AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => new { o.Status, o.Version, o.BackupRunsPerDay, o.PurgedAt, Keep = db.Partners.Where(p => p.Id == o.PartnerId).Select(p => p.KeepBackingUpSuspended).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        var mailboxes = await db.ImapMailboxes.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId)
            .OrderBy(m => m.Host).ThenBy(m => m.UserNameNormalized)
            .Select(m => new { m.Id, m.UserName, m.Host })
            .ToListAsync(ct);
        var counts = (await db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId)
            .GroupBy(m => m.MailboxId)
            .Select(g => new { MailboxId = g.Key, Count = g.Count(), Bytes = g.Sum(m => m.LogicalBytes) })
            .ToListAsync(ct)).ToDictionary(c => c.MailboxId);
        var states = await db.MailboxBackupStates.AsNoTracking()
            .Where(s => s.OrganizationId == organizationId)
            .ToDictionaryAsync(s => s.MailboxId, ct);
        var rows = mailboxes.Select(m => new MailboxBackupRow(
            m.Id, m.UserName, m.Host,
            counts.TryGetValue(m.Id, out var c) ? c.Count : 0,
            c?.Bytes ?? 0,
            states.TryGetValue(m.Id, out var s) ? s.LastSuccessAt : null,
            s?.LastError)).ToList();

        // Newest first; instants order the same on both engines (ticks on SQLite).
        var recent = (await db.BackupRuns.AsNoTracking()
            .Where(r => r.OrganizationId == organizationId)
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Take(10)
            .ToListAsync(ct))
            .Select(ToRow)
            .ToList();
        var now = clock.GetUtcNow();
        var running = recent.FirstOrDefault(r => r.State == BackupRunState.Running);
        var live = running is not null && await db.BackupRuns.AnyAsync(r => r.Id == running.Id && r.LeaseUntil > now, ct);
        return new BackupOverview(
            org.Status, org.Version, org.BackupRunsPerDay,
            BackupSchedule.WhyNot(org.Status, org.PurgedAt is not null, org.Keep),
            rows, live ? running : null, recent);
    }

    private static BackupRunRow ToRow(BackupRun r) =>
        new(r.Id, r.State, r.Trigger, r.Attempt, r.StartedAt, r.FinishedAt, r.Mailboxes, r.MailboxesDone, r.Messages, r.Bytes, r.LastError);
}
