using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Transfers;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Transfers;

/// An organization asks to move to another partner, named by its Partner ID. The caller (the
/// customer portal's Account Settings) has already checked that <c>actor</c> is the organization's
/// owner or a full administrator. The request waits for the operator (see README.md).
public sealed class RequestTransfer(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Transfer>> HandleAsync(Guid organizationId, string? targetPartnerPublicId, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => new { o.Id, o.PartnerId, o.PlanType, o.Status })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (org.Status == OrganizationStatus.Deleted)
        {
            return new OrganizationCannotTransfer();
        }

        var current = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == org.PartnerId, ct);
        if (await TransferRights.RevokedAsync(db, current, ct))
        {
            return new TransfersRevoked();
        }

        var publicId = TransferRights.NormalizePartnerId(targetPartnerPublicId);
        if (publicId.Length == 0)
        {
            return new PartnerIdRequired();
        }

        var target = TransferRights.LooksLikePartnerId(publicId)
            ? await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.PublicId == publicId, ct)
            : null;
        if (target is null)
        {
            return new PartnerIdUnknown();
        }

        if (target.Id == current.Id)
        {
            return new SamePartner();
        }

        if (!target.IsActive)
        {
            return new TargetPartnerInactive();
        }

        if (await db.Transfers.AnyAsync(t => t.OrganizationId == org.Id
            && (t.Status == TransferStatus.Pending || t.Status == TransferStatus.Approved), ct))
        {
            return new TransferAlreadyOpen();
        }

        var offered = await PlanLookup.OfferedToAsync(db, target.Id, ct);
        if (!offered.Any(p => p.Type == org.PlanType))
        {
            return new TargetLacksPlanType(org.PlanType);
        }

        var transfer = Transfer.Request(org.Id, current.Id, target.Id, actor, now);
        db.Transfers.Add(transfer);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.TransferRequested, actor, now, current.Id, org.Id, null,
            TransferRights.Describe(transfer, current, target)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.UniqueIndexViolated(e) == AppDbContext.OpenTransferIndex)
        {
            // Another request for the same organization was saved between our check and our save.
            db.ChangeTracker.Clear();
            return new TransferAlreadyOpen();
        }

        return transfer;
    }
}

/// The shared transfer rules that need the database: revocation along the partner path, and the
/// Partner ID's spelling.
public static class TransferRights
{
    /// Partner IDs are "P-" and seven characters of an upper-case alphabet; users may type them in
    /// any case with spaces around.
    public static string NormalizePartnerId(string? input) => (input ?? "").Trim().ToUpperInvariant();

    public static bool LooksLikePartnerId(string normalized) =>
        normalized.Length is > 2 and <= 16 && normalized.StartsWith("P-", StringComparison.Ordinal)
        && normalized.Skip(2).All(char.IsAsciiLetterOrDigit);

    /// Transfers are revoked when the organization's partner, or any partner above it, has
    /// <see cref="Partner.MayTransfer"/> cleared: a distributor that revokes a partner revokes it
    /// for that partner's whole subtree.
    public static async Task<bool> RevokedAsync(AppDbContext db, Partner partner, CancellationToken ct)
    {
        var ids = Partner.IdsOnPath(partner.Path);
        return await db.Partners.AsNoTracking().AnyAsync(p => ids.Contains(p.Id) && !p.MayTransfer, ct);
    }

    public static string Describe(Transfer t, Partner from, Partner to) => JsonSerializer.Serialize(new
    {
        transferId = t.Id,
        status = t.Status.ToString(),
        fromPartner = from.PublicId,
        fromPartnerName = from.Name,
        toPartner = to.PublicId,
        toPartnerName = to.Name,
        t.EffectiveAt,
        t.Reason,
    });
}
