using Custos.Data;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// Which side of a transfer a partner is on: outgoing when the organization's partner at the time of
/// the request is in the partner's subtree, incoming when the target is.
public enum TransferDirection
{
    Outgoing = 1,
    Incoming = 2,
}

public sealed record PartnerTransferQuery(
    TransferDirection? Direction = null, TransferStatus? Status = null, Guid? Before = null, int Take = PartnerTransfers.DefaultTake);

/// One transfer request as a partner sees it. <see cref="Outgoing"/> and <see cref="Incoming"/> say
/// which sides of it the partner's subtree holds (both for a move inside the subtree).
public sealed record PartnerTransferRow(
    Guid Id,
    bool Outgoing,
    bool Incoming,
    Guid OrganizationId,
    string OrganizationName,
    string OrganizationPublicId,
    Guid FromPartnerId,
    string FromPartnerName,
    string FromPartnerPublicId,
    Guid ToPartnerId,
    string ToPartnerName,
    string ToPartnerPublicId,
    TransferStatus Status,
    DateTimeOffset RequestedAt,
    string RequestedBy,
    DateTimeOffset? DecidedAt,
    string? DecidedByName,
    string? Reason,
    DateTimeOffset? EffectiveAt,
    DateTimeOffset? CancelledAt,
    DateTimeOffset? ExecutedAt);

public sealed record PartnerTransferPage(IReadOnlyList<PartnerTransferRow> Rows, Guid? NextBefore);

/// The transfer requests a partner is party to, newest first (IDs are time-ordered), in keyset
/// pages: those of its subtree's organizations (outgoing) and those naming a partner of its
/// subtree as the target (incoming). Another partner's transfers are not found.
public sealed class PartnerTransfers(AppDbContext db)
{
    public const int DefaultTake = 50;
    public const int MaxTake = 100;

    public async Task<PartnerTransferPage> PageAsync(Scope scope, PartnerTransferQuery query, CancellationToken ct)
    {
        var transfers = Visible(scope, query.Direction);
        if (query.Status is { } status)
        {
            transfers = transfers.Where(t => t.Status == status);
        }

        if (query.Before is { } before)
        {
            transfers = transfers.Where(t => t.Id.CompareTo(before) < 0);
        }

        var take = Math.Clamp(query.Take, 1, MaxTake);
        // The page is cut in the database; its few rows are put back in order here (a join does not keep it).
        var rows = (await Rows(scope, transfers.OrderByDescending(t => t.Id).Take(take + 1)).ToListAsync(ct))
            .OrderByDescending(r => r.Id).ToList();
        return rows.Count > take
            ? new PartnerTransferPage(rows[..take], rows[take - 1].Id)
            : new PartnerTransferPage(rows, null);
    }

    /// One transfer the partner is party to, or null.
    public Task<PartnerTransferRow?> FindAsync(Scope scope, Guid id, CancellationToken ct) =>
        Rows(scope, Visible(scope, null).Where(t => t.Id == id)).SingleOrDefaultAsync(ct);

    private IQueryable<Transfer> Visible(Scope scope, TransferDirection? direction)
    {
        var transfers = db.Transfers.AsNoTracking();
        if (scope.PartnerPath is not { } path)
        {
            return transfers;
        }

        var partners = db.Partners.Where(p => p.Path.StartsWith(path)).Select(p => p.Id);
        transfers = direction switch
        {
            TransferDirection.Outgoing => transfers.Where(t => partners.Contains(t.FromPartnerId)),
            TransferDirection.Incoming => transfers.Where(t => partners.Contains(t.ToPartnerId)),
            _ => transfers.Where(t => partners.Contains(t.FromPartnerId) || partners.Contains(t.ToPartnerId)),
        };

        // An Administrator sees only its groups' organizations, on either side.
        if (scope.GroupMemberId is not null)
        {
            var orgs = db.InScope(scope).Select(o => o.Id);
            transfers = transfers.Where(t => orgs.Contains(t.OrganizationId));
        }

        return transfers;
    }

    private IQueryable<PartnerTransferRow> Rows(Scope scope, IQueryable<Transfer> transfers)
    {
        var path = scope.PartnerPath ?? "";
        return from t in transfers
               join o in db.Organizations on t.OrganizationId equals o.Id
               join f in db.Partners on t.FromPartnerId equals f.Id
               join to in db.Partners on t.ToPartnerId equals to.Id
               select new PartnerTransferRow(
                   t.Id, f.Path.StartsWith(path), to.Path.StartsWith(path),
                   o.Id, o.Name, o.PublicId, f.Id, f.Name, f.PublicId, to.Id, to.Name, to.PublicId, t.Status, t.RequestedAt,
                   t.RequestedByImpersonatorName == null ? t.RequestedByName : t.RequestedByName + " (by " + t.RequestedByImpersonatorName + ")",
                   t.DecidedAt, t.DecidedByName, t.Reason, t.EffectiveAt, t.CancelledAt, t.ExecutedAt);
    }
}
