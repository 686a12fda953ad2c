using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// The operator rejects a pending transfer with a reason the organization sees.
public sealed class RejectTransfer(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Transfer>> HandleAsync(Guid transferId, string? reason, Actor operatorActor, int? expectedVersion, CancellationToken ct)
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

        var rejected = transfer.Reject(operatorActor, reason, now);
        if (rejected.Error is not null)
        {
            return rejected.Error;
        }

        await TransferAudit.AddAsync(db, AuditEventType.TransferRejected, operatorActor, now, transfer, ct);
        var saved = await TransferAudit.SaveAsync(db, ct);
        return saved.Error ?? (Result<Transfer>)transfer;
    }
}
