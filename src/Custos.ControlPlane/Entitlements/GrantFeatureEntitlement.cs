using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Entitlements;

/// <paramref name="PartnerPublicId"/> ("P-…") or <paramref name="OrganizationPublicId"/> ("ORG-…"):
/// exactly one names the grantee.
public sealed record GrantFeatureEntitlementRequest(
    ActingUser Acting, string? Feature, string? PartnerPublicId, string? OrganizationPublicId);

/// The operator enables a sales-gated feature for a partner (and so for every organization of it
/// and of the partners below it) or for one organization.
public sealed class GrantFeatureEntitlement(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<FeatureEntitlement>> HandleAsync(GrantFeatureEntitlementRequest request, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, request.Acting, ct) is { } refused)
        {
            return refused;
        }

        var errors = new List<FieldError>();
        var feature = OrganizationFeatures.Parse(request.Feature);
        if (string.IsNullOrWhiteSpace(request.Feature))
        {
            errors.Add(new FieldError("feature", "Feature is required."));
        }
        else if (feature is not { } f || !OrganizationFeatures.IsSalesGated(f))
        {
            errors.Add(new FieldError("feature", "Choose a sales-gated feature from the list."));
        }

        var partnerCode = Code(request.PartnerPublicId);
        var organizationCode = Code(request.OrganizationPublicId);
        Guid? partnerId = null;
        Guid? organizationId = null;
        if (partnerCode is null && organizationCode is null)
        {
            errors.Add(new FieldError("partnerId", "Enter a Partner ID (P-…) or an Organization ID (ORG-…)."));
        }
        else if (partnerCode is not null && organizationCode is not null)
        {
            errors.Add(new FieldError("partnerId", "Enter either a Partner ID or an Organization ID, not both."));
        }
        else if (partnerCode is not null)
        {
            partnerId = await db.Partners.AsNoTracking().Where(p => p.PublicId == partnerCode).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct);
            if (partnerId is null)
            {
                errors.Add(new FieldError("partnerId", $"No partner has the Partner ID {partnerCode}."));
            }
        }
        else
        {
            var org = await db.Organizations.AsNoTracking().Where(o => o.PublicId == organizationCode)
                .Select(o => new { o.Id, o.Status }).FirstOrDefaultAsync(ct);
            if (org is null)
            {
                errors.Add(new FieldError("organizationId", $"No organization has the Organization ID {organizationCode}."));
            }
            else if (org.Status == OrganizationStatus.Deleted)
            {
                errors.Add(new FieldError("organizationId", $"Organization {organizationCode} is deleted."));
            }
            else
            {
                organizationId = org.Id;
            }
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        var now = clock.GetUtcNow();
        var chosen = feature!.Value;
        var exists = await db.FeatureEntitlements.AnyAsync(
            g => g.Feature == chosen && (partnerId != null ? g.PartnerId == partnerId : g.OrganizationId == organizationId), ct);
        if (exists)
        {
            return new EntitlementExists(chosen);
        }

        var created = partnerId is { } p
            ? FeatureEntitlement.ToPartner(chosen, p, request.Acting.Actor, now)
            : FeatureEntitlement.ToOrganization(chosen, organizationId!.Value, request.Acting.Actor, now);
        if (created.Error is not null)
        {
            return created.Error;
        }

        var grant = created.Value!;
        db.FeatureEntitlements.Add(grant);
        db.AuditEntries.Add(EntitlementAdministration.Audit(AuditEventType.FeatureEntitlementGranted, request.Acting, now, grant, granted: true));
        var saved = await EntitlementAdministration.SaveAsync(db, chosen, ct);
        return saved.Error is null ? grant : saved.Error;
    }

    /// Public IDs are typed and pasted: trimmed and upper-cased; empty means not given.
    private static string? Code(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToUpperInvariant();
}
