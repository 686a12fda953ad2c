using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

/// Whose organizations a caller may see: a partner sees its own subtree, the operator everything.
/// An Administrator is further limited to the organizations of the groups it belongs to
/// (<see cref="GroupMemberId"/>). Every partner-facing organization query starts from
/// <see cref="OrganizationQueries.InScope"/>, so a forgotten filter cannot leak.
public sealed record Scope(string? PartnerPath, Guid? GroupMemberId = null)
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
        var orgs = db.Organizations.Where(o => db.Partners.Any(p => p.Id == o.PartnerId && p.Path.StartsWith(path)));
        if (scope.GroupMemberId is { } userId)
        {
            orgs = orgs.Where(o => db.GroupOrganizations.Any(g => g.OrganizationId == o.Id
                && db.GroupMembers.Any(m => m.GroupId == g.GroupId && m.UserId == userId)));
        }

        return orgs;
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
