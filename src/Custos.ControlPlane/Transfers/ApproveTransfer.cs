using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// The operator approves a pending transfer; it takes effect at the cut-off, the first day of the
/// next month (UTC). <c>expectedVersion</c> is the version the operator's page showed.
public sealed class ApproveTransfer(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Transfer>> HandleAsync(Guid transferId, Actor operatorActor, int? expectedVersion, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var transfer = await db.Transfers.SingleOrDefaultAsync(t => t.Id == transferId, ct);
        if (transfer is null)
        {
            return new NotFound("The transfer");
        }

        if (expectedVersion is { } v && v != transfer.Version)
        {
            return new TransferChangedMeanwhile();
        }

        var approved = transfer.Approve(operatorActor, now);
        if (approved.Error is not null)
        {
            return approved.Error;
        }

        await TransferAudit.AddAsync(db, AuditEventType.TransferApproved, operatorActor, now, transfer, ct);
        var saved = await TransferAudit.SaveAsync(db, ct);
        return saved.Error ?? (Result<Transfer>)transfer;
    }
}
