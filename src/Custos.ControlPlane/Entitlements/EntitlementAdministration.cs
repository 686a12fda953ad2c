using System.Text.Json;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Entitlements;

public sealed record OperatorOnly()
    : Error("operator_only", "Only the platform operator can enable or revoke sales-gated features.");

public sealed record EntitlementExists(OrganizationFeature Feature)
    : Error("entitlement_exists", $"{OrganizationFeatures.Label(Feature)} is already enabled for this grantee.")
{
    public override string? Field => "feature";
}

/// The shared path of the entitlement use cases: only an operator (as the database knows the user
/// right now, not as the sign-in cookie remembered it) may act; every change is audited.
public static class EntitlementAdministration
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<Error?> RequireOperatorAsync(AppDbContext db, ActingUser acting, CancellationToken ct) =>
        await db.Users.AsNoTracking().AnyAsync(u => u.Id == acting.UserId && u.IsOperator, ct) ? null : new OperatorOnly();

    public static AuditEntry Audit(AuditEventType type, ActingUser acting, DateTimeOffset now, FeatureEntitlement grant, bool granted)
    {
        var facts = JsonSerializer.Serialize(
            new { id = grant.Id, feature = grant.Feature.ToString(), partnerId = grant.PartnerId, organizationId = grant.OrganizationId },
            Json);
        return AuditEntry.For(type, acting.Actor, now, grant.PartnerId, grant.OrganizationId, granted ? null : facts, granted ? facts : null);
    }

    public static async Task<Result> SaveAsync(AppDbContext db, OrganizationFeature feature, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateException e) when (DbErrors.UniqueIndexViolated(e) is AppDbContext.PartnerEntitlementIndex or AppDbContext.OrganizationEntitlementIndex)
        {
            db.ChangeTracker.Clear();
            return new EntitlementExists(feature);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Revoked by someone else meanwhile: the grant is gone either way.
            db.ChangeTracker.Clear();
            return new NotFound("The entitlement");
        }
    }
}
