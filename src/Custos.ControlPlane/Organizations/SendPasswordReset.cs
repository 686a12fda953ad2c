using System.Text.Json;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Where the reset link went and until when it works.
public sealed record PasswordResetSent(string Email, DateTimeOffset ExpiresAt);

/// "Send reset password": a single-use link (1 hour) for the owner's login account, its mail and
/// the audit entry, in one SaveChangesAsync. The domain refuses Deleted and Suspended organizations
/// and more than <see cref="PasswordResets.PerHour"/> links an hour per organization; the limit
/// counts the stored links, and the owner account's LastPasswordResetAt token makes two racing
/// requests unable to both pass it.
public sealed class SendPasswordReset(AppDbContext db, Outbox outbox, TimeProvider clock)
{
    public const string Kind = "organization.password-reset";

    /// What the confirmation step can tell before anything is posted: why no link may go out now
    /// (suspended, deleted, the hourly limit), or null. NotFound outside the caller's scope.
    public async Task<Error?> WhyNotAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(scope).AsNoTracking().SingleOrDefaultAsync(o => o.Id == organizationId, ct);
        return org is null ? new NotFound("The organization") : PasswordResets.WhyNot(org, await RecentAsync(org.Id, now, ct), now);
    }

    private Task<List<DateTimeOffset>> RecentAsync(Guid organizationId, DateTimeOffset now, CancellationToken ct)
    {
        var since = now - PasswordResets.Window;
        return db.AccessLinks.AsNoTracking()
            .Where(l => l.OrganizationId == organizationId && l.Purpose == AccessLinkPurpose.PasswordReset && l.CreatedAt > since)
            .Select(l => l.CreatedAt)
            .ToListAsync(ct);
    }

    public async Task<Result<PasswordResetSent>> HandleAsync(OrganizationCommand command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(command.Scope).AsNoTracking().SingleOrDefaultAsync(o => o.Id == command.OrganizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        var account = await db.LoginAccounts.FirstOrDefaultAsync(a => a.OrganizationId == org.Id && a.IsOwner, ct);
        if (account is null && org.Status != OrganizationStatus.Deleted)
        {
            // An organization older than login accounts gets its owner's account now.
            account = LoginAccount.ForOwner(org, now);
            db.LoginAccounts.Add(account);
        }

        var recent = await RecentAsync(org.Id, now, ct);
        if (account is null)
        {
            return new PasswordResetRefused(org.Status);
        }

        var issued = account.IssuePasswordReset(org, recent, now);
        if (issued.Error is not null)
        {
            db.ChangeTracker.Clear();
            return issued.Error;
        }

        await AddLinkAndMailAsync(org, account, issued.Value, command.Actor, now, requestedByPartner: true, ct);
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error switch
        {
            null => new PasswordResetSent(account.Email, issued.Value.Link.ExpiresAt),
            ConcurrentChange => new PasswordResetRaced(),
            _ => saved.Error,
        };
    }

    /// "Forgot password" in the customer portal: the same rules (status, hourly limit per
    /// organization, one link racing another) for any login account, asked for by the person themselves.
    public async Task<Result<PasswordResetSent>> HandleForAccountAsync(Guid loginAccountId, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == loginAccountId, ct);
        var org = account is null ? null : await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == account.OrganizationId, ct);
        if (account is null || org is null)
        {
            return new NotFound("The login account");
        }

        var issued = account.IssuePasswordReset(org, await RecentAsync(org.Id, now, ct), now);
        if (issued.Error is not null)
        {
            db.ChangeTracker.Clear();
            return issued.Error;
        }

        await AddLinkAndMailAsync(org, account, issued.Value, actor, now, requestedByPartner: false, ct);
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error switch
        {
            null => new PasswordResetSent(account.Email, issued.Value.Link.ExpiresAt),
            ConcurrentChange => new PasswordResetRaced(),
            _ => saved.Error,
        };
    }

    private async Task AddLinkAndMailAsync(
        Organization org, LoginAccount account, (AccessLink Link, string Token) issued, Actor actor, DateTimeOffset now, bool requestedByPartner,
        CancellationToken ct)
    {
        var (link, token) = issued;
        db.AccessLinks.Add(link);
        var partnerName = await db.Partners.AsNoTracking().Where(p => p.Id == org.PartnerId).Select(p => p.Name).SingleAsync(ct);
        var url = new Uri(outbox.Addresses.CustomerPortal, $"reset-password?token={token}");
        var name = account.IsOwner ? $"{org.OwnerFirstName} {org.OwnerLastName}".Trim() : $"{account.FirstName} {account.LastName}".Trim();
        var opening = requestedByPartner
            ? $"{partnerName} sent you a link to choose a new password for the customer portal of {org.Name}, where you sign in as {account.Email}."
            : $"Someone (we hope you) asked for a link to choose a new password for the customer portal of {org.Name}, where you sign in as {account.Email}.";
        var mail = MailBody.To(name.Length == 0 ? account.Email : name)
            .Paragraph(opening)
            .Action("Choose a new password", url)
            .Paragraph("The link works once, for 1 hour. If you did not expect it, ignore this message: your password stays as it is.")
            .Footer(account.IsOwner
                ? $"You receive this as the owner of {org.Name}. Questions go to {partnerName}."
                : $"You receive this as a user of {org.Name}. Questions go to {partnerName}.")
            .ToMail(account.Email, "Choose a new password", name.Length == 0 ? null : name, partnerName);
        outbox.Add(mail, Kind, org.PartnerId, org.Id);
        db.AuditEntries.Add(AuditEntry.For(
            requestedByPartner ? AuditEventType.OrganizationPasswordResetSent : AuditEventType.CustomerPasswordResetRequested,
            actor, now, org.PartnerId, org.Id, null,
            JsonSerializer.Serialize(new { loginAccount = account.Id, email = account.Email, link = link.Id, expiresAt = link.ExpiresAt })));
    }
}
