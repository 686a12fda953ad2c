using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Partners;

namespace Custos.ControlPlane.Partners;

public sealed record CreateGroupRequest(ActingUser Acting, string? Name);

/// A new, empty group of the acting partner. Names are unique within the partner, compared
/// case- and whitespace-insensitively.
public sealed class CreateGroup(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<PartnerGroup>> HandleAsync(CreateGroupRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var now = clock.GetUtcNow();
        var created = PartnerGroup.Create(admin.PartnerId, request.Name, now);
        if (created.Error is not null)
        {
            return created.Error;
        }

        var group = created.Value!;
        if (await GroupNames.TakenAsync(db, admin.PartnerId, group.Name, exceptId: null, ct))
        {
            return new GroupNameTaken();
        }

        db.Groups.Add(group);
        db.AuditEntries.Add(PartnerAdministration.Audit(AuditEventType.GroupCreated, admin, now, null, GroupNames.Snapshot(group)));
        var saved = await PartnerAdministration.SaveAsync(db, ct);
        return saved.Error is null ? group : saved.Error;
    }
}
