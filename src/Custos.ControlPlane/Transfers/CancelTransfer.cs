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
    public Task<Result<Transfer>> HandleAsync(Guid organizationId, Actor actor, CancellationToken ct) =>
        HandleAsync(organizationId, null, actor, ct);

    /// With <paramref name="transferId"/>, that request of the organization (the REST API names the
    /// request it cancels): one that is no longer open is refused by <see cref="Transfer.Cancel"/>.
    public async Task<Result<Transfer>> HandleAsync(Guid organizationId, Guid? transferId, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var transfers = db.Transfers.Where(t => t.OrganizationId == organizationId);
        transfers = transferId is { } id
            ? transfers.Where(t => t.Id == id)
            : transfers.Where(t => t.Status == TransferStatus.Pending || t.Status == TransferStatus.Approved);
        var transfer = await transfers.SingleOrDefaultAsync(ct);
        if (transfer is null)
        {
            return new NotFound(transferId is null ? "An open transfer request" : "The transfer request");
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
