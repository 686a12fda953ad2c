using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// The organizations page of the group editor shows one page of organizations at a time: within
/// <see cref="Shown"/> the group gets exactly <see cref="Chosen"/>; organizations not shown keep
/// their place. Every ID must lie in the acting partner's scope.
public sealed record SetGroupOrganizationsRequest(
    ActingUser Acting, Guid GroupId, IReadOnlyCollection<Guid> Shown, IReadOnlyCollection<Guid> Chosen);

public sealed class SetGroupOrganizations(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<GroupChange>> HandleAsync(SetGroupOrganizationsRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var shown = request.Shown.Distinct().ToList();
        var chosen = request.Chosen.Distinct().ToList();
        if (shown.Count > PartnerUserRules.MaxIdsPerChange)
        {
            return new ValidationFailed("organizations", $"Change at most {PartnerUserRules.MaxIdsPerChange} organizations at once.");
        }

        if (chosen.Any(id => !shown.Contains(id)))
        {
            return new ValidationFailed("organizations", "Choose organizations from the list.");
        }

        var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.Id == request.GroupId && g.PartnerId == admin.PartnerId, ct);
        if (group is null)
        {
            return new NotFound("The group");
        }

        var inScope = await db.InScope(admin.Scope).Where(o => shown.Contains(o.Id)).CountAsync(ct);
        if (inScope != shown.Count)
        {
            return new ValidationFailed("organizations", "Choose organizations from the list.");
        }

        var current = await db.GroupOrganizations.Where(m => m.GroupId == group.Id && shown.Contains(m.OrganizationId)).ToListAsync(ct);
        var removed = current.Where(m => !chosen.Contains(m.OrganizationId)).ToList();
        var added = chosen.Where(id => current.All(m => m.OrganizationId != id)).ToList();
        if (removed.Count == 0 && added.Count == 0)
        {
            return new GroupChange(0, 0);
        }

        db.GroupOrganizations.RemoveRange(removed);
        db.GroupOrganizations.AddRange(added.Select(id => new PartnerGroupOrganization { GroupId = group.Id, OrganizationId = id }));
        db.AuditEntries.Add(PartnerAdministration.Audit(
            AuditEventType.GroupOrganizationsChanged,
            admin,
            clock.GetUtcNow(),
            null,
            new { id = group.Id, name = group.Name, added, removed = removed.Select(m => m.OrganizationId) }));
        var saved = await PartnerAdministration.SaveAsync(db, ct);
        return saved.Error is null ? new GroupChange(added.Count, removed.Count) : saved.Error;
    }
}
