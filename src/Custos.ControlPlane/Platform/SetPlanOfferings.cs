using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Platform;

public sealed record PartnerOfferings(Guid PartnerId, string PartnerName, bool Explicit, IReadOnlyList<Guid> OfferedPlanIds);

/// Which plans a partner offers: an explicit list, or none (it then offers what the nearest
/// ancestor with a list offers, or every published plan; see <see cref="PlanCatalog"/>).
public sealed class SetPlanOfferings(AppDbContext db, TimeProvider clock)
{
    public async Task<PartnerOfferings?> GetAsync(Guid partnerId, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.Id == partnerId, ct);
        if (partner is null)
        {
            return null;
        }

        var own = await db.PlanOfferings.AsNoTracking().Where(o => o.PartnerId == partnerId).Select(o => o.PlanId).ToListAsync(ct);
        var offered = await Organizations.PlanLookup.OfferedToAsync(db, partnerId, ct);
        return new PartnerOfferings(partner.Id, partner.Name, own.Count > 0, [.. offered.Select(p => p.Id)]);
    }

    /// Replaces the partner's list; an empty <paramref name="planIds"/> returns it to inheriting.
    public async Task<Result> HandleAsync(ActingUser acting, Guid partnerId, IReadOnlyCollection<Guid> planIds, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        if (!await db.Partners.AnyAsync(p => p.Id == partnerId, ct))
        {
            return new NotFound("The partner");
        }

        var ids = planIds.Distinct().ToList();
        var known = await db.Plans.AsNoTracking().Where(p => ids.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        if (known.Count != ids.Count)
        {
            return new ValidationFailed("plans", "Choose plans from the catalog.");
        }

        var current = await db.PlanOfferings.Where(o => o.PartnerId == partnerId).ToListAsync(ct);
        var before = current.Select(o => o.PlanId).Order().ToList();
        db.PlanOfferings.RemoveRange(current.Where(o => !ids.Contains(o.PlanId)));
        db.PlanOfferings.AddRange(ids.Where(id => !before.Contains(id)).Select(id => new PlanOffering { PartnerId = partnerId, PlanId = id }));
        db.AuditEntries.Add(PlatformAdministration.Audit(AuditEventType.PlanOfferingsChanged, acting.Actor, clock.GetUtcNow(), partnerId,
            new { plans = before }, new { plans = ids.Order().ToList() }));
        await db.SaveChangesAsync(ct);
        return Result.Ok;
    }
}
