using Custos.Data;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

public sealed record TransferRow(
    Guid Id,
    Guid OrganizationId,
    string OrganizationName,
    string OrganizationPublicId,
    string FromPartnerName,
    string FromPartnerPublicId,
    string ToPartnerName,
    string ToPartnerPublicId,
    TransferStatus Status,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    DateTimeOffset? DecidedAt,
    string? DecidedByName,
    string? Reason,
    DateTimeOffset? EffectiveAt,
    DateTimeOffset? ExecutedAt,
    int Version);

public sealed record TransferQueue(IReadOnlyList<TransferRow> Pending, IReadOnlyList<TransferRow> Recent);

/// The operator's transfer queue: every pending request, oldest first, and the latest decisions.
public sealed class ListTransfers(AppDbContext db)
{
    public const int RecentCount = 50;

    public async Task<TransferQueue> HandleAsync(CancellationToken ct)
    {
        var pending = await Rows(db.Transfers.Where(t => t.Status == TransferStatus.Pending).OrderBy(t => t.RequestedAt).ThenBy(t => t.Id))
            .ToListAsync(ct);
        var recent = await Rows(db.Transfers.Where(t => t.Status != TransferStatus.Pending).OrderByDescending(t => t.Id))
            .Take(RecentCount).ToListAsync(ct);
        return new TransferQueue(pending, recent);
    }

    private IQueryable<TransferRow> Rows(IQueryable<Transfer> transfers) =>
        from t in transfers.AsNoTracking()
        join o in db.Organizations on t.OrganizationId equals o.Id
        join f in db.Partners on t.FromPartnerId equals f.Id
        join to in db.Partners on t.ToPartnerId equals to.Id
        select new TransferRow(
            t.Id, o.Id, o.Name, o.PublicId, f.Name, f.PublicId, to.Name, to.PublicId, t.Status, t.RequestedAt,
            t.RequestedByImpersonatorName == null ? t.RequestedByName : t.RequestedByName + " (by " + t.RequestedByImpersonatorName + ")",
            t.DecidedAt, t.DecidedByName, t.Reason, t.EffectiveAt, t.ExecutedAt, t.Version);
}

/// What the customer portal shows in Account Settings: the organization's open request, or its
/// latest one (to show a rejection's reason).
public sealed class FindTransfer(AppDbContext db)
{
    public Task<TransferRow?> LatestAsync(Guid organizationId, CancellationToken ct) =>
        (from t in db.Transfers.AsNoTracking()
         where t.OrganizationId == organizationId
         orderby t.RequestedAt descending, t.Id descending
         join o in db.Organizations on t.OrganizationId equals o.Id
         join f in db.Partners on t.FromPartnerId equals f.Id
         join to in db.Partners on t.ToPartnerId equals to.Id
         select new TransferRow(
             t.Id, o.Id, o.Name, o.PublicId, f.Name, f.PublicId, to.Name, to.PublicId, t.Status, t.RequestedAt,
             t.RequestedByName, t.DecidedAt, t.DecidedByName, t.Reason, t.EffectiveAt, t.ExecutedAt, t.Version))
        .FirstOrDefaultAsync(ct);
}
