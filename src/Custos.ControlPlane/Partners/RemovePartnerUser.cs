using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record RemovePartnerUserRequest(ActingUser Acting, Guid UserId);

/// Deletes one of the acting partner's users and their group memberships. Their sign-in stops
/// working at once and an open session ends within a minute. Like a demotion, removing an owner
/// touches the other owners' rows so a racing change cannot leave the partner without one.
public sealed class RemovePartnerUser(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(RemovePartnerUserRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == request.UserId && u.PartnerId == admin.PartnerId, ct);
        if (user is null)
        {
            return new NotFound("The user");
        }

        var role = user.Role ?? PartnerRole.ReadOnly;
        var otherOwners = await db.Users
            .Where(u => u.PartnerId == admin.PartnerId && u.Role == PartnerRole.Owner && u.Id != user.Id)
            .ToListAsync(ct);
        if (PartnerUserRules.MayRemove(admin.Role, role, user.Id == admin.UserId, otherOwners.Count) is { } refused)
        {
            return refused;
        }

        if (role == PartnerRole.Owner)
        {
            otherOwners.ForEach(PartnerAdministration.Touch);
        }

        db.Users.Remove(user);
        db.AuditEntries.Add(PartnerAdministration.Audit(
            AuditEventType.PartnerUserRemoved, admin, clock.GetUtcNow(), PartnerAdministration.Snapshot(user), null));
        return await PartnerAdministration.SaveAsync(db, ct);
    }
}
