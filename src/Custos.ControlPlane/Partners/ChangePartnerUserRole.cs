using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record ChangePartnerUserRoleRequest(ActingUser Acting, Guid UserId, PartnerRole? Role);

/// Gives one of the acting partner's users another role (see <see cref="PartnerUserRules"/>).
/// Demoting an owner also touches every other owner's row, so two owners demoting or removing
/// each other at the same moment cannot both succeed and leave the partner without an owner.
/// The new role reaches the user's sign-in within a minute (the cookie is re-checked that often).
public sealed class ChangePartnerUserRole(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(ChangePartnerUserRoleRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        if (request.Role is not { } role || !Enum.IsDefined(role))
        {
            return new ValidationFailed("role", "Choose a role.");
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == request.UserId && u.PartnerId == admin.PartnerId, ct);
        if (user is not { Role: { } from })
        {
            return new NotFound("The user");
        }

        var otherOwners = await db.Users
            .Where(u => u.PartnerId == admin.PartnerId && u.Role == PartnerRole.Owner && u.Id != user.Id)
            .ToListAsync(ct);
        if (PartnerUserRules.MayChangeRole(admin.Role, from, role, otherOwners.Count) is { } refused)
        {
            return refused;
        }

        var before = PartnerAdministration.Snapshot(user);
        user.Role = role;
        PartnerAdministration.Touch(user);
        if (from == PartnerRole.Owner)
        {
            otherOwners.ForEach(PartnerAdministration.Touch);
        }

        var now = clock.GetUtcNow();
        db.AuditEntries.Add(PartnerAdministration.Audit(AuditEventType.PartnerUserRoleChanged, admin, now, before, PartnerAdministration.Snapshot(user)));
        return await PartnerAdministration.SaveAsync(db, ct);
    }
}
