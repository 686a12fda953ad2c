using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

public static class FeatureEntitlementQueries
{
    /// The sales-gated features the operator enabled for an organization: grants to the
    /// organization itself and to its partner or any partner above it (a partner's grant covers its
    /// subtree). Callers check the organization's scope first; this only reads grants.
    public static async Task<IReadOnlySet<OrganizationFeature>> EntitledFeaturesAsync(
        this AppDbContext db, Guid organizationId, CancellationToken ct)
    {
        var path = await db.Organizations.AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => db.Partners.Where(p => p.Id == o.PartnerId).Select(p => p.Path).FirstOrDefault())
            .FirstOrDefaultAsync(ct);
        var partners = path is null ? [] : Partner.IdsOnPath(path).Select(id => (Guid?)id).ToList();
        var features = await db.FeatureEntitlements.AsNoTracking()
            .Where(g => g.OrganizationId == organizationId || partners.Contains(g.PartnerId))
            .Select(g => g.Feature)
            .Distinct()
            .ToListAsync(ct);
        return features.ToHashSet();
    }
}
