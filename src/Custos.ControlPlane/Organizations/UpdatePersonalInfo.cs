using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Edits the owner's names, email, country and the organization's name. A new email changes how the
/// owner signs in: the owner's login account follows it in the same save (and is created here for an
/// organization older than login accounts). Uniqueness is checked as at creation.
public sealed class UpdatePersonalInfo(AppDbContext db, OrganizationCommands commands)
{
    public async Task<Result> HandleAsync(OrganizationCommand command, PersonalInfo info, CancellationToken ct)
    {
        var taken = await TakenAsync(command, info, ct);
        if (taken is not null)
        {
            return taken;
        }

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

    /// A friendly early answer, as at creation; the unique indexes remain the guarantee. Invalid
    /// input and organizations outside the scope are left to the command, which reports them.
    private async Task<Error?> TakenAsync(OrganizationCommand command, PersonalInfo info, CancellationToken ct)
    {
        var planType = await db.InScope(command.Scope).Where(o => o.Id == command.OrganizationId)
            .Select(o => (PlanType?)o.PlanType).SingleOrDefaultAsync(ct);
        if (planType is null || OrganizationLimits.Validate(info, planType.Value).Value is not { } valid)
        {
            return null;
        }

        var email = TextKey.Email(valid.Email);
        var name = TextKey.Name(valid.OrganizationName);
        var others = db.Organizations.Where(o => o.Id != command.OrganizationId && o.Status != OrganizationStatus.Deleted);
        if (await others.AnyAsync(o => o.OwnerEmailNormalized == email, ct))
        {
            return new EmailTaken();
        }

        if (planType != PlanType.Personal
            && await others.AnyAsync(o => o.PlanType != PlanType.Personal && o.NameNormalized == name, ct))
        {
            return new NameTaken();
        }

        return null;
    }
}
