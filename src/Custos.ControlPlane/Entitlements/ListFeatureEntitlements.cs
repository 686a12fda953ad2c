using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Entitlements;

/// One grant as the operator console lists it: the grantee's name and public ID.
public sealed record EntitlementRow(
    Guid Id, OrganizationFeature Feature, bool ToPartner, string GranteeName, string GranteePublicId, DateTimeOffset GrantedAt, string GrantedByName);

/// Every grant, newest first.
public sealed class ListFeatureEntitlements(AppDbContext db)
{
    public async Task<Result<EntitlementRow[]>> HandleAsync(ActingUser acting, CancellationToken ct)
    {
        if (await EntitlementAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        var rows = await db.FeatureEntitlements.AsNoTracking()
            .OrderByDescending(g => g.GrantedAt).ThenBy(g => g.Id)
            .Select(g => new
            {
                g.Id,
                g.Feature,
                g.PartnerId,
                g.GrantedAt,
                g.GrantedByName,
                Partner = db.Partners.Where(p => p.Id == g.PartnerId).Select(p => new { p.Name, p.PublicId }).FirstOrDefault(),
                Organization = db.Organizations.Where(o => o.Id == g.OrganizationId).Select(o => new { o.Name, o.PublicId }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.Select(r => new EntitlementRow(
                r.Id,
                r.Feature,
                r.PartnerId is not null,
                r.Partner?.Name ?? r.Organization?.Name ?? "",
                r.Partner?.PublicId ?? r.Organization?.PublicId ?? "",
                r.GrantedAt,
                r.GrantedByName))
            .ToArray();
    }
}
