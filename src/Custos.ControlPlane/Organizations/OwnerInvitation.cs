using System.Text.Json;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Organizations;

/// The sign-in invitation of an organization's owner: a single-use <see cref="AccessLink"/> (7 days)
/// and the "organization.invitation" message with the customer portal's address and the link to
/// choose a password, from the partner's name. Added to the caller's unit of work, so the link, the
/// mail and the change that causes them are saved together.
public static class OwnerInvitation
{
    public const string Kind = "organization.invitation";

    /// `{CustomerPortal}set-password?token=…`, the customer portal's page for invitation links.
    public static Uri SetPasswordLink(IMailAddresses addresses, string token) =>
        new(addresses.CustomerPortal, $"set-password?token={Uri.EscapeDataString(token)}");

    public static void Add(
        AppDbContext db, Outbox outbox, Organization org, LoginAccount account, string partnerName, Actor actor, DateTimeOffset now)
    {
        var (link, token) = AccessLink.Issue(account, AccessLinkPurpose.Invitation, now);
        db.AccessLinks.Add(link);
        var name = $"{org.OwnerFirstName} {org.OwnerLastName}".Trim();
        var portal = outbox.Addresses.CustomerPortal;
        var mail = MailBody.To(name.Length > 0 ? name : account.Email)
            .Paragraph($"{partnerName} backs up the mail of {org.Name} with Custos. You can sign in to see and restore your backups.")
            .Paragraph($"Your sign-in name is {account.Email}. Choose your password with the link below; it works once, within 7 days.")
            .Action("Choose your password", SetPasswordLink(outbox.Addresses, token))
            .Paragraph($"Afterwards, sign in at {portal.AbsoluteUri}")
            .Footer($"You get this message because {partnerName} invited you. If you did not expect it, ignore it: nothing happens until the link is used.")
            .ToMail(account.Email, $"Sign in to your {org.Name} backups", name.Length > 0 ? name : null, partnerName);
        outbox.Add(mail, Kind, org.PartnerId, org.Id);
        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.OrganizationInvitationSent, actor, now, org.PartnerId, org.Id, null,
            JsonSerializer.Serialize(new { loginAccount = account.Id, email = account.Email, expiresAt = link.ExpiresAt })));
    }
}
