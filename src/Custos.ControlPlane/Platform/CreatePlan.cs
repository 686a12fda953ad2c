using Custos.ControlPlane.Entitlements;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Plans;

namespace Custos.ControlPlane.Platform;

public sealed record CreatePlanRequest(ActingUser Acting, string? Name, PlanType Type, decimal MonthlyPrice, string? Currency, int StorageAllowanceGb);

/// The operator publishes a plan in the catalog; partners without an explicit offering list offer it at once.
public sealed class CreatePlan(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<Plan>> HandleAsync(CreatePlanRequest request, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, request.Acting, ct) is { } refused)
        {
            return refused;
        }

        var now = clock.GetUtcNow();
        var created = Plan.Create(request.Name ?? "", request.Type, request.MonthlyPrice, request.Currency?.Trim().ToUpperInvariant() ?? "", request.StorageAllowanceGb, now);
        if (created.Error is not null)
        {
            return created.Error;
        }

        var plan = created.Value!;
        db.Plans.Add(plan);
        db.AuditEntries.Add(PlatformAdministration.Audit(AuditEventType.PlanCreated, request.Acting.Actor, now, null, null,
            new { plan.Id, plan.Name, type = plan.Type.ToString(), plan.MonthlyPrice, plan.Currency, plan.StorageAllowanceGb }));
        await db.SaveChangesAsync(ct);
        return plan;
    }
}
