using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

public sealed record TransfersNotManaged()
    : Error("transfers_not_managed", "Only the owners and full administrators of a distributor can revoke or restore transfers of its partners.");

public sealed record PartnerBelow(Guid Id, string PublicId, string Name, string Country, bool IsActive, bool MayTransfer, bool RevokedAbove, int Depth);

/// A distributor revokes or restores the right of a partner below it to transfer organizations
/// away. A revocation holds for the partner's whole subtree (see <see cref="TransferRights.RevokedAsync"/>).
public sealed class SetPartnerTransfers(AppDbContext db, TimeProvider clock)
{
    /// Every partner below <paramref name="distributor"/> (not itself), in tree order.
    public async Task<IReadOnlyList<PartnerBelow>> ListAsync(Partner distributor, CancellationToken ct)
    {
        var path = distributor.Path;
        var below = await db.Partners.AsNoTracking()
            .Where(p => p.Path.StartsWith(path) && p.Id != distributor.Id)
            .OrderBy(p => p.Path)
            .ToListAsync(ct);
        var revoked = below.Where(p => !p.MayTransfer).Select(p => p.Path).ToList();
        var depth = Partner.IdsOnPath(path).Count;
        return
        [
            .. below.Select(p => new PartnerBelow(
                p.Id, p.PublicId, p.Name, p.Country, p.IsActive, p.MayTransfer,
                revoked.Any(r => r != p.Path && p.Path.StartsWith(r, StringComparison.Ordinal)),
                Partner.IdsOnPath(p.Path).Count - depth)),
        ];
    }

    public async Task<Result> HandleAsync(Partner distributor, PartnerRole? role, Actor actor, Guid partnerId, bool mayTransfer, CancellationToken ct)
    {
        if (!distributor.IsDistributor || role is not (PartnerRole.Owner or PartnerRole.FullAdministrator))
        {
            return new TransfersNotManaged();
        }

        var path = distributor.Path;
        var partner = await db.Partners.SingleOrDefaultAsync(p => p.Id == partnerId && p.Id != distributor.Id && p.Path.StartsWith(path), ct);
        if (partner is null)
        {
            return new NotFound("The partner");
        }

        if (partner.MayTransfer == mayTransfer)
        {
            return Result.Ok;
        }

        var now = clock.GetUtcNow();
        var before = JsonSerializer.Serialize(new { partner = partner.PublicId, partner.Name, partner.MayTransfer });
        partner.SetMayTransfer(mayTransfer);
        var after = JsonSerializer.Serialize(new { partner = partner.PublicId, partner.Name, partner.MayTransfer });
        db.AuditEntries.Add(AuditEntry.For(
            mayTransfer ? AuditEventType.PartnerTransfersRestored : AuditEventType.PartnerTransfersRevoked,
            actor, now, partner.Id, null, before, after));
        await db.SaveChangesAsync(ct);
        return Result.Ok;
    }
}
