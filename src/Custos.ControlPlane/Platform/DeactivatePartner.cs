using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Platform;

public sealed record PartnerAlreadyInactive()
    : Error("partner_inactive", "This partner is already inactive.");

/// The operator deactivates a partner: it can no longer get new sub-partners or receive transfers.
/// Its organizations and users stay as they are.
public sealed class DeactivatePartner(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(ActingUser acting, Guid partnerId, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        var partner = await db.Partners.SingleOrDefaultAsync(p => p.Id == partnerId, ct);
        if (partner is null)
        {
            return new NotFound("The partner");
        }

        if (!partner.IsActive)
        {
            return new PartnerAlreadyInactive();
        }

        partner.Deactivate();
        db.AuditEntries.Add(PlatformAdministration.Audit(AuditEventType.PartnerDeactivated, acting.Actor, clock.GetUtcNow(), partner.Id,
            new { partner = partner.PublicId, active = true }, new { partner = partner.PublicId, active = false }));
        await db.SaveChangesAsync(ct);
        return Result.Ok;
    }
}
