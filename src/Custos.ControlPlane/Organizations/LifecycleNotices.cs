using System.Globalization;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// The lifecycle events a partner may be told about by mail.
public enum LifecycleNotice
{
    Suspended,
    Unsubscribed,
    Reactivated,
    Deleted,
    Purged,
}

/// Adds the mail of a lifecycle change to the outbox, in the caller's unit of work, so it is saved
/// by the same SaveChangesAsync as the change (see README.md in this folder). Who receives it is
/// the organization's own partner's choice (its notification settings); the sender name is that
/// partner's name.
public sealed class LifecycleNotices(AppDbContext db, Outbox outbox)
{
    public static string KindOf(LifecycleNotice notice) => notice switch
    {
        LifecycleNotice.Suspended => "organization.suspended",
        LifecycleNotice.Unsubscribed => "organization.unsubscribed",
        LifecycleNotice.Reactivated => "organization.reactivated",
        LifecycleNotice.Deleted => "organization.deleted",
        LifecycleNotice.Purged => "organization.purged",
        _ => throw new ArgumentOutOfRangeException(nameof(notice)),
    };

    /// Queues one message per recipient and returns how many; none while the partner's notices are off.
    public async Task<int> AddAsync(Organization org, LifecycleNotice notice, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().Where(p => p.Id == org.PartnerId)
            .Select(p => new { p.Name, p.LifecycleNotices, p.NotifyOrganizationOwner, p.NotifyPartnerAdmins, p.KeepBackingUpSuspended })
            .SingleAsync(ct);
        if (!partner.LifecycleNotices)
        {
            return 0;
        }

        var recipients = new List<(string Email, string Name, bool IsOwner)>();

        // Purged: the organization has been Deleted since before, its owner can no longer sign in
        // and the address is free for another organization; the owner was told the purge date
        // (unsubscribe) or the deletion already. Only the partner's admins hear about the purge.
        if (partner.NotifyOrganizationOwner && notice != LifecycleNotice.Purged)
        {
            recipients.Add((org.OwnerEmail, $"{org.OwnerFirstName} {org.OwnerLastName}".Trim(), true));
        }

        if (partner.NotifyPartnerAdmins)
        {
            var admins = await db.Users.AsNoTracking()
                .Where(u => u.PartnerId == org.PartnerId && u.Email != null
                    && (u.Role == PartnerRole.Owner || u.Role == PartnerRole.FullAdministrator))
                .OrderBy(u => u.Email)
                .Select(u => new { u.Email, u.DisplayName })
                .ToListAsync(ct);
            recipients.AddRange(admins.Select(a => (a.Email!, a.DisplayName, false)));
        }

        var sent = 0;
        foreach (var r in recipients.DistinctBy(r => r.Email.Trim().ToLowerInvariant()))
        {
            var mail = Compose(org, notice, partner.Name, partner.KeepBackingUpSuspended, r.IsOwner, outbox.Addresses)
                .ToMail(r.Email, Subject(org, notice), r.Name.Length == 0 ? null : r.Name, partner.Name);
            outbox.Add(mail, KindOf(notice), org.PartnerId, org.Id);
            sent++;
        }

        return sent;
    }

    private static string Day(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    public static string Subject(Organization org, LifecycleNotice notice) => notice switch
    {
        LifecycleNotice.Suspended => $"{org.Name} is suspended",
        LifecycleNotice.Unsubscribed => $"{org.Name} is unsubscribed: its data is purged on {Day(org.PurgeDueAt)}",
        LifecycleNotice.Reactivated => $"{org.Name} is active again",
        LifecycleNotice.Deleted => $"{org.Name} is deleted",
        LifecycleNotice.Purged => $"The backup data of {org.Name} is purged",
        _ => throw new ArgumentOutOfRangeException(nameof(notice)),
    };

    private static MailBody Compose(
        Organization org, LifecycleNotice notice, string partnerName, bool keepsBackingUpSuspended, bool toOwner, IMailAddresses addresses)
    {
        var who = $"{org.Name} (Organization ID {org.PublicId})";
        var body = MailBody.To(toOwner ? $"{org.OwnerFirstName} {org.OwnerLastName}".Trim() : partnerName);
        switch (notice)
        {
            case LifecycleNotice.Suspended:
                body.Paragraph($"{partnerName} suspended {who} on {Day(org.StatusChangedAt)} (UTC).")
                    .Paragraph(keepsBackingUpSuspended
                        ? "Backups continue, but its users cannot sign in to reach their backups until it is reactivated."
                        : "Backups are paused and its users cannot sign in to reach their backups until it is reactivated.")
                    .Paragraph("All backup data is kept.");
                break;
            case LifecycleNotice.Unsubscribed:
                body.Paragraph($"{partnerName} unsubscribed {who} on {Day(org.UnsubscribedAt)} (UTC). Backups have stopped.")
                    .Paragraph($"Its users can still sign in and download their data until {Day(org.PurgeDueAt)} (UTC). "
                        + "On that date all its backup data is purged and can no longer be recovered.")
                    .Paragraph($"To keep the data, ask {partnerName} to reactivate the organization before then.");
                break;
            case LifecycleNotice.Reactivated:
                body.Paragraph($"{partnerName} reactivated {who} on {Day(org.StatusChangedAt)} (UTC).")
                    .Paragraph("Backups resume and its users can sign in again.");
                break;
            case LifecycleNotice.Deleted:
                body.Paragraph($"{partnerName} deleted {who} on {Day(org.DeletedAt)} (UTC). Backups have stopped and its users can no longer sign in.")
                    .Paragraph(org.PurgeDueAt > org.DeletedAt
                        ? $"Its backup data is under WORM retention and is purged when the retention ends, on {Day(org.PurgeDueAt)} (UTC); it cannot be recovered."
                        : "All its backup data is destroyed and cannot be recovered.");
                break;
            case LifecycleNotice.Purged:
                body.Paragraph($"The backup data of {who} was purged on {Day(org.PurgedAt)} (UTC). It cannot be recovered by anyone.");
                break;
        }

        if (toOwner)
        {
            if (notice is LifecycleNotice.Unsubscribed or LifecycleNotice.Reactivated)
            {
                body.Action("Sign in to the customer portal", addresses.CustomerPortal);
            }

            return body.Footer($"You receive this as the owner of {org.Name}. Questions go to {partnerName}.");
        }

        if (notice is not (LifecycleNotice.Deleted or LifecycleNotice.Purged))
        {
            body.Action("View the organization", new Uri(addresses.PublicBase, $"organizations/{org.Id}"));
        }

        return body.Footer($"You receive this as an owner or full administrator of {partnerName}. "
            + $"Choose who receives these notices under Notification settings: {new Uri(addresses.PublicBase, "settings/notifications").AbsoluteUri}");
    }
}
