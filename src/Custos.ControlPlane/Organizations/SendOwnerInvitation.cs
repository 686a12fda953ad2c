using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Sends the owner of an organization a new sign-in invitation (see <see cref="OwnerInvitation"/>).
/// Only for the owner's login account; refused for a Deleted organization. Earlier invitation links
/// keep working until they are used or expire.
public sealed class SendOwnerInvitation(AppDbContext db, TimeProvider clock, Outbox outbox)
{
    public async Task<Result<string>> HandleAsync(OrganizationCommand command, Guid loginAccountId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(command.Scope).SingleOrDefaultAsync(o => o.Id == command.OrganizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (org.Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == loginAccountId && a.OrganizationId == org.Id, ct);
        if (account is null)
        {
            return new NotFound("The login account");
        }

        if (!account.IsOwner)
        {
            return new InvitationOnlyForOwner();
        }

        var partnerName = await db.Partners.AsNoTracking().Where(p => p.Id == org.PartnerId).Select(p => p.Name).SingleAsync(ct);
        OwnerInvitation.Add(db, outbox, org, account, partnerName, command.Actor, now);
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<string>)account.Email;
    }
}
