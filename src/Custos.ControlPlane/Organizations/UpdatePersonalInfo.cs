using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Edits the owner's names, email, country and the organization's name. A new email changes how the
/// owner signs in: the owner's login account follows it in the same save (and is created here for an
/// organization older than login accounts). Uniqueness is checked as at creation.
public sealed class UpdatePersonalInfo(AppDbContext db, OrganizationCommands commands)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, PersonalInfo info, CancellationToken ct)
    {
        // Loaded (tracked) before the scoped command; it is only touched once the command succeeds.
        var owner = await db.LoginAccounts.FirstOrDefaultAsync(a => a.OrganizationId == command.OrganizationId && a.IsOwner, ct);
        return await commands.RunAsync(command, AuditEventType.OrganizationPersonalInfoUpdated, (o, now) =>
        {
            var updated = o.UpdatePersonalInfo(info, now);
            if (updated.IsSuccess)
            {
                if (owner is null)
                {
                    db.LoginAccounts.Add(LoginAccount.ForOwner(o, now));
                }
                else
                {
                    owner.FollowOwner(o);
                }
            }

            return updated;
        }, ct);
    }
}
