using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

/// Whose organizations a caller may see: a partner sees its own subtree, the operator everything.
/// Every partner-facing organization query starts from <see cref="OrganizationQueries.InScope"/>.
public sealed record Scope(string? PartnerPath)
{
    public static Scope Everything { get; } = new((string?)null);

    public static Scope Partner(Domain.Partners.Partner partner) => new(partner.Path);
}

public static class OrganizationQueries
{
    public static IQueryable<Organization> InScope(this AppDbContext db, Scope scope)
    {
        if (scope.PartnerPath is null)
        {
            return db.Organizations;
        }

        var path = scope.PartnerPath;
        return db.Organizations.Where(o => db.Partners.Any(p => p.Id == o.PartnerId && p.Path.StartsWith(path)));
    }

    /// An organization loaded for a change: with today's history row, so the change updates it
    /// rather than adding a second row for the same day.
    public static Task<Organization?> FindForChangeAsync(
        this AppDbContext db, Scope scope, Guid organizationId, DateTimeOffset now, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        return db.InScope(scope)
            .Include(o => o.History.Where(h => h.Day == today))
            .SingleOrDefaultAsync(o => o.Id == organizationId, ct);
    }
}
