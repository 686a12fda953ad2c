using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// <see cref="OrganizationCount"/> counts the group's organizations that are not Deleted.
public sealed record GroupRow(Guid Id, string Name, int MemberCount, int OrganizationCount);

/// The acting partner's groups by name, with how many members and organizations each has.
public sealed class ListGroups(AppDbContext db)
{
    public async Task<Result<GroupRow[]>> HandleAsync(ActingUser acting, CancellationToken ct)
    {
        var result = await PartnerAdministration.AdminAsync(db, acting, ct);
        if (result.Error is not null)
        {
            return result.Error;
        }

        var admin = result.Value!;
        var groups = await db.Groups.AsNoTracking()
            .Where(g => g.PartnerId == admin.PartnerId)
            .Select(g => new { g.Id, g.Name })
            .ToListAsync(ct);
        var ids = groups.Select(g => g.Id).ToList();
        var members = await db.GroupMembers.AsNoTracking()
            .Where(m => ids.Contains(m.GroupId))
            .GroupBy(m => m.GroupId)
            .Select(g => new { GroupId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.GroupId, g => g.Count, ct);
        var live = db.InScope(admin.Scope).Where(o => o.Status != OrganizationStatus.Deleted);
        var organizations = await (
                from m in db.GroupOrganizations.AsNoTracking()
                join o in live on m.OrganizationId equals o.Id
                where ids.Contains(m.GroupId)
                group m by m.GroupId into g
                select new { GroupId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.GroupId, g => g.Count, ct);

        return groups
            .Select(g => new GroupRow(g.Id, g.Name, members.GetValueOrDefault(g.Id), organizations.GetValueOrDefault(g.Id)))
            .OrderBy(g => g.Name, StringComparer.CurrentCultureIgnoreCase)
            .ToArray();
    }
}
