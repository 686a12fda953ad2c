using Custos.Data;
using Custos.Domain;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

internal static class GroupNames
{
    /// A friendly early answer; the unique index on (partner, name) remains the guarantee for exact
    /// duplicates. A partner has a handful of groups, so they are compared here rather than in SQL.
    public static async Task<bool> TakenAsync(AppDbContext db, Guid partnerId, string name, Guid? exceptId, CancellationToken ct)
    {
        var key = TextKey.Name(name);
        var names = await db.Groups.AsNoTracking()
            .Where(g => g.PartnerId == partnerId && g.Id != exceptId)
            .Select(g => g.Name)
            .ToListAsync(ct);
        return names.Any(n => TextKey.Name(n) == key);
    }

    public static object Snapshot(PartnerGroup group) => new { id = group.Id, name = group.Name };
}
