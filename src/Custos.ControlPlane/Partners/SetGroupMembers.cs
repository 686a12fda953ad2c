using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// <see cref="UserIds"/> is the whole new member list.
public sealed record SetGroupMembersRequest(ActingUser Acting, Guid GroupId, IReadOnlyCollection<Guid> UserIds);

/// Makes the group's members exactly the given users, all of them users of the acting partner.
public sealed class SetGroupMembers(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<GroupChange>> HandleAsync(SetGroupMembersRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var wanted = request.UserIds.Distinct().ToList();
        if (wanted.Count > PartnerUserRules.MaxIdsPerChange)
        {
            return new ValidationFailed("members", $"A group can be given at most {PartnerUserRules.MaxIdsPerChange} members at once.");
        }

        var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.Id == request.GroupId && g.PartnerId == admin.PartnerId, ct);
        if (group is null)
        {
            return new NotFound("The group");
        }

        var known = await db.Users.AsNoTracking()
            .Where(u => u.PartnerId == admin.PartnerId && wanted.Contains(u.Id))
            .CountAsync(ct);
        if (known != wanted.Count)
        {
            return new ValidationFailed("members", "Choose members from your partner's users.");
        }

        var current = await db.GroupMembers.Where(m => m.GroupId == group.Id).ToListAsync(ct);
        var removed = current.Where(m => !wanted.Contains(m.UserId)).ToList();
        var added = wanted.Where(id => current.All(m => m.UserId != id)).ToList();
        if (removed.Count == 0 && added.Count == 0)
        {
            return new GroupChange(0, 0);
        }

        db.GroupMembers.RemoveRange(removed);
        db.GroupMembers.AddRange(added.Select(id => new PartnerGroupMember { GroupId = group.Id, UserId = id }));
        db.AuditEntries.Add(PartnerAdministration.Audit(
            AuditEventType.GroupMembersChanged,
            admin,
            clock.GetUtcNow(),
            new { id = group.Id, name = group.Name, members = current.Select(m => m.UserId).Order() },
            new { id = group.Id, name = group.Name, members = wanted.Order(), added, removed = removed.Select(m => m.UserId) }));
        var saved = await PartnerAdministration.SaveAsync(db, ct);
        return saved.Error is null ? new GroupChange(added.Count, removed.Count) : saved.Error;
    }
}
