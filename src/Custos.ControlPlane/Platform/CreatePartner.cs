using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Platform;

/// <param name="ParentId">Empty for a top-level partner (a distributor or a master partner).</param>
public sealed record CreatePartnerRequest(ActingUser Acting, string? Name, string? Country, Guid? ParentId, bool IsDistributor);

/// The operator adds a distributor, a partner or a sub-partner; it gets a generated Partner ID and
/// the platform's default for "keep backing up suspended organizations".
public sealed class CreatePartner(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Partner>> HandleAsync(CreatePartnerRequest request, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, request.Acting, ct) is { } refused)
        {
            return refused;
        }

        Partner? parent = null;
        if (request.ParentId is { } parentId)
        {
            parent = await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.Id == parentId, ct);
            if (parent is null)
            {
                return new ValidationFailed("parent", "Choose the parent partner from the list.");
            }
        }

        var now = clock.GetUtcNow();
        var created = Partner.Create(request.Name ?? "", request.Country ?? "", parent, request.IsDistributor, now);
        if (created.Error is not null)
        {
            return created.Error;
        }

        var partner = created.Value!;
        var settings = await db.PlatformSettings.AsNoTracking().SingleAsync(ct);
        partner.SetKeepBackingUpSuspended(settings.KeepBackingUpSuspendedByDefault);
        db.Partners.Add(partner);
        db.AuditEntries.Add(PlatformAdministration.Audit(AuditEventType.PartnerCreated, request.Acting.Actor, now, partner.Id, null,
            new { partner = partner.PublicId, partner.Name, partner.Country, parent = parent?.PublicId, partner.IsDistributor }));
        await db.SaveChangesAsync(ct);
        return partner;
    }
}
