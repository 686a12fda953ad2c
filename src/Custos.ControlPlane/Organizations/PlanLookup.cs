using Custos.Data;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

public static class PlanLookup
{
    /// The plans a partner may sell, per <see cref="PlanCatalog.OfferedTo"/>.
    public static async Task<IReadOnlyList<Plan>> OfferedToAsync(AppDbContext db, Guid partnerId, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.Id == partnerId, ct);
        if (partner is null)
        {
            return [];
        }

        var ancestry = Ancestry(partner);
        var offerings = await db.PlanOfferings.AsNoTracking().Where(o => ancestry.Contains(o.PartnerId)).ToListAsync(ct);
        var plans = await db.Plans.AsNoTracking().Where(p => p.IsPublished).OrderBy(p => p.Type).ThenBy(p => p.Name).ToListAsync(ct);
        return PlanCatalog.OfferedTo(ancestry, offerings, plans);
    }

    public static async Task<Plan?> OfferedPlanAsync(AppDbContext db, Guid partnerId, Guid planId, CancellationToken ct) =>
        (await OfferedToAsync(db, partnerId, ct)).FirstOrDefault(p => p.Id == planId);

    /// The partner itself, then each ancestor up to the root, read from its path.
    public static List<Guid> Ancestry(Partner partner) =>
        partner.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).Reverse().ToList();
}
