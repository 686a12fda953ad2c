using Custos.Data;
using Custos.Domain;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// <see cref="InvitationPending"/>: the user has not chosen a password yet.
public sealed record PartnerUserRow(
    Guid Id, string DisplayName, string Email, PartnerRole Role, IReadOnlyList<string> Groups,
    bool MfaEnabled, bool LockedOut, bool InvitationPending);

/// The acting partner's own users (never a sub-partner's), by name, with their groups.
public sealed class ListPartnerUsers(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<PartnerUserRow[]>> HandleAsync(ActingUser acting, CancellationToken ct)
    {
        var admin = await PartnerAdministration.AdminAsync(db, acting, ct);
        if (admin.Error is not null)
        {
            return admin.Error;
        }

        var partnerId = admin.Value!.PartnerId;
        var users = await db.Users.AsNoTracking()
            .Where(u => u.PartnerId == partnerId)
            .Select(u => new
            {
                u.Id,
                u.DisplayName,
                u.Email,
                u.Role,
                u.TwoFactorEnabled,
                u.LockoutEnd,
                HasPassword = u.PasswordHash != null,
            })
            .ToListAsync(ct);
        var memberships = await (
                from m in db.GroupMembers.AsNoTracking()
                join g in db.Groups.AsNoTracking() on m.GroupId equals g.Id
                where g.PartnerId == partnerId
                select new { m.UserId, g.Name })
            .ToListAsync(ct);

        var now = clock.GetUtcNow();
        var groupsOf = memberships.ToLookup(m => m.UserId, m => m.Name);
        return users
            .Select(u => new PartnerUserRow(
                u.Id,
                u.DisplayName,
                u.Email ?? "",
                u.Role ?? PartnerRole.ReadOnly,
                groupsOf[u.Id].Order(StringComparer.CurrentCultureIgnoreCase).ToList(),
                u.TwoFactorEnabled,
                u.LockoutEnd > now,
                !u.HasPassword))
            .OrderBy(r => r.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ThenBy(r => r.Email, StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }
}
