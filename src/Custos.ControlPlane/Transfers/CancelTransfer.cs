using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// The organization (its owner or a full administrator, checked by the caller) withdraws its open
/// transfer request: while pending, or once approved until the cut-off.
public sealed class CancelTransfer(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Transfer>> HandleAsync(Guid organizationId, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var transfer = await db.Transfers
            .Where(t => t.OrganizationId == organizationId && (t.Status == TransferStatus.Pending || t.Status == TransferStatus.Approved))
            .SingleOrDefaultAsync(ct);
        if (transfer is null)
        {
            return new NotFound("An open transfer request");
        }

        var cancelled = transfer.Cancel(now);
        if (cancelled.Error is not null)
        {
            return cancelled.Error;
        }

        await TransferAudit.AddAsync(db, AuditEventType.TransferCancelled, actor, now, transfer, ct);
        var saved = await TransferAudit.SaveAsync(db, ct);
        return saved.Error ?? (Result<Transfer>)transfer;
    }
}
