using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.ApiKeys;

/// Stops a key at once: the next request with it is refused (on this node at once through
/// <see cref="ApiKeyCache"/>; other nodes within the cache's lifetime). Only the key's own
/// partner's owners and full administrators revoke it; another partner's key is not found.
public sealed class RevokeApiKey(AppDbContext db, TimeProvider clock, ApiKeyCache? cache = null)
{
    public async Task<Result> HandleAsync(ActingUser acting, Guid keyId, CancellationToken ct)
    {
        var admin = await PartnerAdministration.AdminAsync(db, acting, ct);
        if (admin.Error is not null)
        {
            return admin.Error;
        }

        var key = await db.PartnerApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.PartnerId == admin.Value!.PartnerId, ct);
        if (key is null)
        {
            return new NotFound("The API key");
        }

        var before = CreateApiKey.Describe(key);
        var now = clock.GetUtcNow();
        if (!key.Revoke(admin.Value!.Actor.Name, now))
        {
            return new NoChange();
        }

        db.AuditEntries.Add(AuditEntry.For(AuditEventType.ApiKeyRevoked, admin.Value.Actor, now, key.PartnerId, null, before, CreateApiKey.Describe(key)));
        await db.SaveChangesAsync(ct);
        cache?.MarkRevoked(key.LookupId, now);
        return Result.Ok;
    }
}
