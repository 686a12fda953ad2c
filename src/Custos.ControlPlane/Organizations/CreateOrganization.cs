using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// <paramref name="SendSignIn"/>: the "Send sign in" checkbox as posted; while the partner hides it, the partner's default decides.
public sealed record CreateOrganizationRequest(Scope Scope, Actor Actor, Guid PartnerId, Guid PlanId, NewOrganization Organization, bool SendSignIn = false);

/// Creates an Active organization for the acting partner or a partner below it, on a plan offered
/// to that partner. Email and name are unique among live organizations; the database enforces it
/// too, so a racing create gets the same typed error. The owner's login account is created with it,
/// and an Archiver organization gets its journal address. With <see cref="CreateOrganizationRequest.SendSignIn"/>
/// the owner's invitation (link and mail) is saved in the same transaction.
public sealed class CreateOrganization(AppDbContext db, TimeProvider clock, IJournalAddressGenerator journal, Outbox outbox)
{
    public async Task<Result<Organization>> HandleAsync(CreateOrganizationRequest request, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.PartnerId, ct);
        if (partner is null || (request.Scope.PartnerPath is { } path && !partner.Path.StartsWith(path, StringComparison.Ordinal)))
        {
            return new ValidationFailed("partner", "Choose a partner from the list.");
        }

        if (!partner.IsActive)
        {
            return new PartnerDeactivated();
        }

        var plan = await PlanLookup.OfferedPlanAsync(db, partner.Id, request.PlanId, ct);
        if (plan is null)
        {
            return new PlanNotOffered();
        }

        var now = clock.GetUtcNow();
        var created = Organization.Create(request.Organization, partner, plan, now, journal);
        if (created.Error is not null)
        {
            return created.Error;
        }

        var org = created.Value!;
        var taken = await TakenAsync(org, ct);
        if (taken is not null)
        {
            return taken;
        }

        // An Administrator acts only on the organizations of its groups: what it creates joins
        // those groups, or it could not see its own organization afterwards.
        if (request.Scope.GroupMemberId is { } memberId)
        {
            var groups = await db.GroupMembers.Where(m => m.UserId == memberId).Select(m => m.GroupId).ToListAsync(ct);
            if (groups.Count == 0)
            {
                return new ValidationFailed("partner", "You belong to no group yet; ask an owner or full administrator to add you to one.");
            }

            db.GroupOrganizations.AddRange(groups.Select(g => new PartnerGroupOrganization { GroupId = g, OrganizationId = org.Id }));
        }

        db.Organizations.Add(org);
        var owner = LoginAccount.ForOwner(org, now);
        db.LoginAccounts.Add(owner);
        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.OrganizationCreated, request.Actor, now, org.PartnerId, org.Id, null, OrganizationCommands.Snapshot(org)));
        // The posted checkbox while the partner shows it; the partner's default when it is hidden.
        if (partner.Notifications.SendSignIn(request.SendSignIn))
        {
            OwnerInvitation.Add(db, outbox, org, owner, partner.Name, request.Actor, now);
        }

        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error is null ? org : saved.Error;
    }

    /// A friendly early answer; the unique indexes remain the guarantee.
    private async Task<Error?> TakenAsync(Organization org, CancellationToken ct)
    {
        var live = db.Organizations.Where(o => o.Status != OrganizationStatus.Deleted);
        if (await live.AnyAsync(o => o.OwnerEmailNormalized == org.OwnerEmailNormalized, ct))
        {
            return new EmailTaken();
        }

        if (org.PlanType != Domain.Plans.PlanType.Personal
            && await live.AnyAsync(o => o.PlanType != Domain.Plans.PlanType.Personal && o.NameNormalized == org.NameNormalized, ct))
        {
            return new NameTaken();
        }

        return null;
    }
}
