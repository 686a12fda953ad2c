using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

public sealed record RenameGroupRequest(ActingUser Acting, Guid GroupId, string? Name);

public sealed class RenameGroup(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(RenameGroupRequest request, CancellationToken ct)
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

        var before = GroupNames.Snapshot(group);
        var oldName = group.Name;
        var renamed = group.Rename(request.Name);
        if (renamed.Error is not null)
        {
            return renamed.Error;
        }

        if (group.Name == oldName)
        {
            return new NoChange();
        }

        if (await GroupNames.TakenAsync(db, admin.PartnerId, group.Name, group.Id, ct))
        {
            return new GroupNameTaken();
        }

        db.AuditEntries.Add(PartnerAdministration.Audit(AuditEventType.GroupRenamed, admin, clock.GetUtcNow(), before, GroupNames.Snapshot(group)));
        return await PartnerAdministration.SaveAsync(db, ct);
    }
}
