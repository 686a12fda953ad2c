using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Custos.ControlPlane.Transfers;

public sealed record TransferRun(int Executed, int Failed, int Conflicts);

/// Executes approved transfers whose cut-off has come, each exactly once: the organization moves to
/// the target partner on its offered plan of the same type, its group memberships on the old side
/// end, both sides get an audit entry and a mail. The transfer's and the organization's concurrency
/// tokens make a second runner's save fail instead of moving the organization twice.
public sealed class ExecuteDueTransfers(AppDbContext db, Outbox outbox, TimeProvider clock, ILogger<ExecuteDueTransfers> log)
{
    public const int BatchSize = 100;
    public const string MailKind = "transfer.executed";

    public async Task<TransferRun> HandleAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.Transfers.AsNoTracking()
            .Where(t => t.Status == TransferStatus.Approved && t.EffectiveAt <= now)
            .OrderBy(t => t.EffectiveAt).ThenBy(t => t.Id)
            .Select(t => t.Id)
            .Take(BatchSize)
            .ToListAsync(ct);

        int executed = 0, failed = 0, conflicts = 0;
        foreach (var id in due)
        {
            db.ChangeTracker.Clear();
            var outcome = await ExecuteOneAsync(id, now, ct);
            switch (outcome)
            {
                case Outcome.Executed: executed++; break;
                case Outcome.Failed: failed++; break;
                case Outcome.Conflict: conflicts++; break;
            }
        }

        return new TransferRun(executed, failed, conflicts);
    }

    private enum Outcome
    {
        Skipped,
        Executed,
        Failed,
        Conflict,
    }

    private async Task<Outcome> ExecuteOneAsync(Guid transferId, DateTimeOffset now, CancellationToken ct)
    {
        var transfer = await db.Transfers.SingleOrDefaultAsync(t => t.Id == transferId, ct);
        if (transfer is null || !transfer.IsDue(now))
        {
            return Outcome.Skipped;
        }

        var from = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == transfer.FromPartnerId, ct);
        var to = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == transfer.ToPartnerId, ct);
        var org = await db.FindForChangeAsync(Scope.Everything, transfer.OrganizationId, now, ct);

        string? failure = null;
        Plan? plan = null;
        if (org is null || org.Status == OrganizationStatus.Deleted)
        {
            failure = "The organization was deleted before the cut-off.";
        }
        else if (org.PartnerId != transfer.FromPartnerId)
        {
            failure = "The organization moved to another partner before the cut-off.";
        }
        else if (!to.IsActive)
        {
            failure = "The target partner was deactivated before the cut-off.";
        }
        else
        {
            plan = MapPlan(await PlanLookup.OfferedToAsync(db, to.Id, ct), org.PlanId, org.PlanType);
            failure = plan is null ? $"The target partner no longer offers a {org.PlanType} plan." : null;
        }

        if (failure is not null || org is null || plan is null)
        {
            transfer.FailAtCutOff(failure ?? "The transfer could not be executed.", now);
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.TransferRejected, Actor.System, now, from.Id, transfer.OrganizationId, null,
                TransferRights.Describe(transfer, from, to)));
            var failedSave = await TransferAudit.SaveAsync(db, ct);
            log.LogWarning("Transfer {TransferId} could not be executed: {Reason}", transfer.Id, failure);
            return failedSave.IsSuccess ? Outcome.Failed : Outcome.Conflict;
        }

        var before = OrganizationCommands.Snapshot(org);
        var moved = org.MoveToPartner(to.Id, plan, now);
        var marked = transfer.MarkExecuted(now);
        if (moved.Error is not null || marked.Error is not null)
        {
            return Outcome.Skipped;
        }

        await LeaveOldGroupsAsync(org.Id, to, ct);
        var after = OrganizationCommands.Snapshot(org);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.OrganizationTransferredOut, Actor.System, now, from.Id, org.Id, before, after));
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.OrganizationTransferredIn, Actor.System, now, to.Id, org.Id, before, after));
        await NotifyAsync(org, from, to, plan, now, ct);

        var saved = await TransferAudit.SaveAsync(db, ct);
        if (!saved.IsSuccess)
        {
            return Outcome.Conflict;
        }

        log.LogInformation("Transferred organization {OrganizationId} from partner {From} to {To}", org.Id, from.PublicId, to.PublicId);
        return Outcome.Executed;
    }

    /// The target's plan of the same type: the very same plan when the target offers it, otherwise
    /// the first of that type in the target's catalog (by name).
    public static Plan? MapPlan(IReadOnlyList<Plan> offered, Guid currentPlanId, PlanType type) =>
        offered.FirstOrDefault(p => p.Id == currentPlanId)
        ?? offered.Where(p => p.Type == type).OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Id).FirstOrDefault();

    /// Groups belong to partners; a group whose partner does not cover the new partner can no
    /// longer hold the organization.
    private async Task LeaveOldGroupsAsync(Guid organizationId, Partner to, CancellationToken ct)
    {
        var memberships = await (
            from m in db.GroupOrganizations
            join g in db.Groups on m.GroupId equals g.Id
            join p in db.Partners on g.PartnerId equals p.Id
            where m.OrganizationId == organizationId
            select new { Membership = m, p.Path }).ToListAsync(ct);
        db.GroupOrganizations.RemoveRange(memberships.Where(x => !to.Path.StartsWith(x.Path, StringComparison.Ordinal)).Select(x => x.Membership));
    }

    private async Task NotifyAsync(Organization org, Partner from, Partner to, Plan plan, DateTimeOffset now, CancellationToken ct)
    {
        var ids = new[] { from.Id, to.Id };
        var admins = await db.Users.AsNoTracking()
            .Where(u => u.PartnerId != null && ids.Contains(u.PartnerId.Value) && u.Email != null
                && (u.Role == PartnerRole.Owner || u.Role == PartnerRole.FullAdministrator))
            .OrderBy(u => u.Email)
            .Select(u => new { u.PartnerId, u.Email, u.DisplayName })
            .ToListAsync(ct);
        var day = now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var a in admins)
        {
            var outgoing = a.PartnerId == from.Id;
            var body = MailBody.To(a.DisplayName.Length == 0 ? a.Email! : a.DisplayName);
            body = outgoing
                ? body.Paragraph($"The organization {org.Name} ({org.PublicId}) was transferred from {from.Name} to {to.Name} ({to.PublicId}) on {day} (UTC).")
                    .Paragraph("It no longer appears among your organizations; its billing with you ends at this date.")
                : body.Paragraph($"The organization {org.Name} ({org.PublicId}) was transferred to {to.Name} from {from.Name} on {day} (UTC).")
                    .Paragraph($"It now appears among your organizations on your plan {plan.Name} ({plan.Type}); seats and auto license are unchanged, and its billing with you starts at this date.");
            var subject = outgoing ? $"Organization transferred out: {org.Name}" : $"Organization transferred in: {org.Name}";
            outbox.Add(body.ToMail(a.Email!, subject, a.DisplayName.Length == 0 ? null : a.DisplayName, outgoing ? from.Name : to.Name),
                MailKind, a.PartnerId, org.Id);
        }
    }
}
