using System.Security.Cryptography;

namespace Custos.Domain.Organizations;

/// "Log in as client": a one-time ticket (valid <see cref="Lifetime"/>) for one partner user to open
/// one organization's customer portal as its owner. Once redeemed, it is also the record of that
/// partner sign-in (who, when, until) the organization's users see. Only the token's SHA-256 is stored.
public sealed class ImpersonationTicket
{
    public const int MaxNameLength = 256;

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan SessionLength = TimeSpan.FromMinutes(30);

    private ImpersonationTicket()
    {
        TokenHash = "";
        PartnerUserName = "";
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    /// The owner's login account the session acts as.
    public Guid LoginAccountId { get; private set; }

    public Guid PartnerUserId { get; private set; }

    /// "Name &lt;email&gt;" of the partner user, as the audit journal names them.
    public string PartnerUserName { get; private set; }

    public string TokenHash { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? UsedAt { get; private set; }

    /// When the portal session opened with this ticket ends.
    public DateTimeOffset? SessionEndsAt { get; private set; }

    public static (ImpersonationTicket Ticket, string Token) Issue(
        Organization organization, LoginAccount owner, Guid partnerUserId, string partnerUserName, DateTimeOffset now)
    {
        if (organization.Status == OrganizationStatus.Deleted || owner.OrganizationId != organization.Id || !owner.IsOwner)
        {
            throw new InvalidOperationException("A ticket is only for the owner account of a live organization.");
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var ticket = new ImpersonationTicket
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organization.Id,
            LoginAccountId = owner.Id,
            PartnerUserId = partnerUserId,
            PartnerUserName = partnerUserName.Length > MaxNameLength ? partnerUserName[..MaxNameLength] : partnerUserName,
            TokenHash = AccessLink.HashOf(token),
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        return (ticket, token);
    }

    /// Opens the session: once, within the lifetime, by the partner user it was issued to.
    public Result Redeem(Guid partnerUserId, DateTimeOffset now)
    {
        if (partnerUserId != PartnerUserId)
        {
            return new ImpersonationTicketRefused();
        }

        if (UsedAt is not null)
        {
            return new ImpersonationTicketUsed();
        }

        if (now >= ExpiresAt)
        {
            return new ImpersonationTicketExpired();
        }

        UsedAt = now;
        SessionEndsAt = now + SessionLength;
        return Result.Ok;
    }
}

public sealed record ImpersonationTicketUsed()
    : Error("impersonation_ticket_used", "This client sign-in link was already used. Start again from the partner portal.");

public sealed record ImpersonationTicketExpired()
    : Error("impersonation_ticket_expired", "This client sign-in link has expired (it works for 60 seconds). Start again from the partner portal.");

/// Unknown, or issued to another partner user: the same answer, so it tells nothing.
public sealed record ImpersonationTicketRefused()
    : Error("impersonation_ticket_refused", "This client sign-in link is not valid for you. Start again from the partner portal.");

public sealed record NotInAnyGroup()
    : Error("not_in_any_group", "You are not in any group, so you cannot log in as a client. An owner or full administrator of your partner can add you to a group.");
