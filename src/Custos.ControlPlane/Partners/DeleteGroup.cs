using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record DeleteGroupRequest(ActingUser Acting, Guid GroupId);

/// Deletes a group with its memberships and organization assignments (the organizations and users
/// stay). Administrators who were only in this group no longer see any organization.
public sealed class DeleteGroup(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(DeleteGroupRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var group = await db.Groups.SingleOrDefaultAsync(g => g.Id == request.GroupId && g.PartnerId == admin.PartnerId, ct);
        if (group is null)
        {
            return new NotFound("The group");
        }

        var members = await db.GroupMembers.AsNoTracking().Where(m => m.GroupId == group.Id).Select(m => m.UserId).ToListAsync(ct);
        var organizations = await db.GroupOrganizations.AsNoTracking().Where(m => m.GroupId == group.Id).Select(m => m.OrganizationId).ToListAsync(ct);
        var before = new { id = group.Id, name = group.Name, members, organizations };

        db.Groups.Remove(group);
        db.AuditEntries.Add(PartnerAdministration.Audit(AuditEventType.GroupDeleted, admin, clock.GetUtcNow(), before, null));
        return await PartnerAdministration.SaveAsync(db, ct);
    }
}
