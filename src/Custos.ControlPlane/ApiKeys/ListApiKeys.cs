using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.ApiKeys;

public sealed record ApiKeyRow(
    Guid Id, string Name, PartnerRole Role, string Display, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// The API keys page: the partner's keys, live ones first, newest first. Never the secret or its hash.
public sealed class ListApiKeys(AppDbContext db)
{
    public async Task<Result<ApiKeyRow[]>> HandleAsync(ActingUser acting, CancellationToken ct)
    {
        var admin = await PartnerAdministration.AdminAsync(db, acting, ct);
        if (admin.Error is not null)
        {
            return admin.Error;
        }

        var partnerId = admin.Value!.PartnerId;
        var rows = await db.PartnerApiKeys.AsNoTracking()
            .Where(k => k.PartnerId == partnerId)
            .Select(k => new { k.Id, k.Name, k.Role, k.LookupId, k.CreatedByName, k.CreatedAt, k.LastUsedAt, k.RevokedAt })
            .ToListAsync(ct);
        return rows
            .OrderBy(k => k.RevokedAt is not null).ThenByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyRow(k.Id, k.Name, k.Role, ApiKeySecrets.Display(k.LookupId), k.CreatedByName, k.CreatedAt, k.LastUsedAt, k.RevokedAt))
            .ToArray();
    }
}
