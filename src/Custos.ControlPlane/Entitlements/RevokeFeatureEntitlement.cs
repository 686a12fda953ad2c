using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Entitlements;

public sealed record RevokeFeatureEntitlementRequest(ActingUser Acting, Guid EntitlementId);

/// The operator withdraws a grant. Organizations that already turned the feature on keep it on
/// (turning it off stays possible; turning it on again needs a new grant): see README.md.
public sealed class RevokeFeatureEntitlement(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<FeatureEntitlement>> HandleAsync(RevokeFeatureEntitlementRequest request, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, request.Acting, ct) is { } refused)
        {
            return refused;
        }

        var grant = await db.FeatureEntitlements.SingleOrDefaultAsync(g => g.Id == request.EntitlementId, ct);
        if (grant is null)
        {
            return new NotFound("The entitlement");
        }

        var now = clock.GetUtcNow();
        db.FeatureEntitlements.Remove(grant);
        db.AuditEntries.Add(EntitlementAdministration.Audit(AuditEventType.FeatureEntitlementRevoked, request.Acting, now, grant, granted: false));
        var saved = await EntitlementAdministration.SaveAsync(db, grant.Feature, ct);
        return saved.Error is null ? grant : saved.Error;
    }
}
