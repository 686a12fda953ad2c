using Custos.Data;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Platform;

public sealed record PartnerNode(
    Guid Id, string PublicId, string Name, string Country, bool IsDistributor, bool IsActive, bool MayTransfer, int Depth, int Organizations);

/// The whole partner tree for the operator, in tree order (each partner right after its parent).
public sealed class ListPartnerTree(AppDbContext db)
{
    public async Task<IReadOnlyList<PartnerNode>> HandleAsync(CancellationToken ct)
    {
        var partners = await db.Partners.AsNoTracking().OrderBy(p => p.Path).ToListAsync(ct);
        var counts = await db.Organizations.AsNoTracking()
            .Where(o => o.Status != Domain.Organizations.OrganizationStatus.Deleted)
            .GroupBy(o => o.PartnerId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        // Paths of IDs do not sort by name; order siblings by name, depth first.
        var byParent = partners.ToLookup(p => p.ParentId);
        var result = new List<PartnerNode>(partners.Count);
        void Walk(Guid? parent, int depth)
        {
            foreach (var p in byParent[parent].OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Id))
            {
                result.Add(new PartnerNode(p.Id, p.PublicId, p.Name, p.Country, p.IsDistributor, p.IsActive, p.MayTransfer, depth,
                    counts.GetValueOrDefault(p.Id)));
                Walk(p.Id, depth + 1);
            }
        }

        Walk(null, 0);
        return result;
    }
}
