using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.CustomerPortal;

/// The customer portal session "log in as client" opens: as the owner's account, with the partner
/// user behind it, until <see cref="EndsAt"/>.
public sealed record ClientSession(
    Guid AccountId, Guid OrganizationId, int SessionVersion, Guid PartnerUserId, string PartnerUserName, DateTimeOffset EndsAt);

/// "Log in as client" (see README.md): a partner user gets a one-time ticket (60 seconds) for an
/// organization in their scope, then redeems it in the customer portal for a 30-minute session as
/// the organization's owner. Refused for partner users in no group, for Suspended and Deleted
/// organizations, and outside the partner user's scope (not found).
public sealed class LogInAsClient(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<string>> IssueAsync(Scope scope, Guid partnerUserId, string partnerUserName, Guid organizationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(scope).AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (org.Status == OrganizationStatus.Deleted)
        {
            return new ClientPortalClosed(org.Status);
        }

        if (!await db.GroupMembers.AnyAsync(m => m.UserId == partnerUserId, ct))
        {
            return new NotInAnyGroup();
        }

        if (org.Status == OrganizationStatus.Suspended)
        {
            return new ClientPortalClosed(org.Status);
        }

        var owner = await db.LoginAccounts.SingleOrDefaultAsync(a => a.OrganizationId == org.Id && a.IsOwner, ct);
        if (owner is null)
        {
            // An organization older than login accounts gets its owner's account now.
            owner = LoginAccount.ForOwner(org, now);
            db.LoginAccounts.Add(owner);
        }

        var (ticket, token) = ImpersonationTicket.Issue(org, owner, partnerUserId, partnerUserName, now);
        db.ImpersonationTickets.Add(ticket);
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// Opens the session: the ticket's own partner user, once, within 60 seconds, while the
    /// organization's portal is open. Records the partner sign-in in the audit journal with both identities.
    public async Task<Result<ClientSession>> RedeemAsync(string? token, Guid partnerUserId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (string.IsNullOrEmpty(token) || token.Length > 128)
        {
            return new ImpersonationTicketRefused();
        }

        var hash = AccessLink.HashOf(token);
        var ticket = await db.ImpersonationTickets.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (ticket is null)
        {
            return new ImpersonationTicketRefused();
        }

        var redeemed = ticket.Redeem(partnerUserId, now);
        if (redeemed.Error is not null)
        {
            return redeemed.Error;
        }

        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == ticket.OrganizationId, ct);
        if (CustomerSignIns.WhyNot(org.Status) is not null)
        {
            return new ClientPortalClosed(org.Status);
        }

        var owner = await db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == ticket.LoginAccountId, ct);
        var actor = CustomerActors.Of(owner, partnerUserId.ToString(), ticket.PartnerUserName);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.PartnerSignedInAsClient, actor, now, org.PartnerId, org.Id, null,
            JsonSerializer.Serialize(new { ticket = ticket.Id, partnerUser = partnerUserId, until = ticket.SessionEndsAt })));

        // The ticket's UsedAt is a concurrency token: of two redemptions racing, one session opens.
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error switch
        {
            null => new ClientSession(owner.Id, org.Id, owner.SessionVersion, partnerUserId, ticket.PartnerUserName, ticket.SessionEndsAt!.Value),
            ConcurrentChange => new ImpersonationTicketUsed(),
            _ => saved.Error,
        };
    }
}

/// The organization's customer portal is closed to everyone, partner users included.
public sealed record ClientPortalClosed(OrganizationStatus Status)
    : Error("client_portal_closed", Status == OrganizationStatus.Deleted
        ? "The organization is deleted: it has no customer portal to log in to."
        : "The organization is suspended: its customer portal is closed until it is reactivated.");
