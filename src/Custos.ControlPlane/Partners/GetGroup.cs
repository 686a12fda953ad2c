using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record GroupMemberChoice(Guid Id, string DisplayName, string Email, PartnerRole Role, bool IsMember);

/// A group of the acting partner with every user of the partner marked member or not, and how many
/// (not Deleted) organizations it holds. Another partner's group is not found.
public sealed record GroupDetails(Guid Id, string Name, GroupMemberChoice[] Users, int OrganizationCount);

public sealed class GetGroup(AppDbContext db)
{
    public async Task<Result<GroupDetails>> HandleAsync(ActingUser acting, Guid groupId, CancellationToken ct)
    {
        var result = await PartnerAdministration.AdminAsync(db, acting, ct);
        if (result.Error is not null)
        {
            return result.Error;
        }

        var admin = result.Value!;
        var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.Id == groupId && g.PartnerId == admin.PartnerId, ct);
        if (group is null)
        {
            return new NotFound("The group");
        }

        var members = db.GroupMembers.Where(m => m.GroupId == group.Id);
        var users = await db.Users.AsNoTracking()
            .Where(u => u.PartnerId == admin.PartnerId)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.Role, IsMember = members.Any(m => m.UserId == u.Id) })
            .ToListAsync(ct);
        var inGroup = db.GroupOrganizations.Where(m => m.GroupId == group.Id);
        var organizationCount = await db.InScope(admin.Scope)
            .CountAsync(o => o.Status != OrganizationStatus.Deleted && inGroup.Any(m => m.OrganizationId == o.Id), ct);

        var choices = users
            .Select(u => new GroupMemberChoice(u.Id, u.DisplayName, u.Email ?? "", u.Role ?? PartnerRole.ReadOnly, u.IsMember))
            .OrderBy(u => u.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ThenBy(u => u.Email, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        return new GroupDetails(group.Id, group.Name, choices, organizationCount);
    }
}
