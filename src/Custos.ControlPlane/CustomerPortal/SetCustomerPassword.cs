using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.CustomerPortal;

/// A password chosen through a mailed link: the invitation (`set-password`, 7 days) or a reset
/// (`reset-password`, 1 hour). Each link works once; a used, expired, unknown or foreign-purpose
/// link is refused and nothing changes. Setting the password ends the account's other sessions and
/// any lockout. The person signs in afterwards, as with any password.
public sealed class SetCustomerPassword(AppDbContext db, TimeProvider clock)
{
    private const int MaxTokenLength = 128;

    /// The email of the account the link is for, or why it cannot be used (checked when the page opens).
    public async Task<Result<string>> CheckAsync(string? token, AccessLinkPurpose purpose, CancellationToken ct)
    {
        var found = await FindAsync(token, purpose, ct);
        if (found.Error is not null)
        {
            return found.Error;
        }

        var (link, account, _) = found.Value;
        var now = clock.GetUtcNow();
        return link.UsedAt is not null ? new AccessLinkUsed()
            : now >= link.ExpiresAt ? new AccessLinkExpired(link.ExpiresAt)
            : account.Email;
    }

    public async Task<Result<string>> HandleAsync(string? token, AccessLinkPurpose purpose, string? password, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var found = await FindAsync(token, purpose, ct);
        if (found.Error is not null)
        {
            return found.Error;
        }

        if (CustomerSignIns.WhyNotPassword(password) is { } weak)
        {
            return weak;
        }

        var (link, account, partnerId) = found.Value;
        var used = link.Use(now);
        if (used.Error is not null)
        {
            return used.Error;
        }

        account.SetPassword(SignInCustomer.Hasher.HashPassword(account, password!), now);
        db.AuditEntries.Add(AuditEntry.For(
            purpose == AccessLinkPurpose.Invitation ? AuditEventType.CustomerPasswordSet : AuditEventType.CustomerPasswordReset,
            CustomerActors.Of(account), now, partnerId, account.OrganizationId, null,
            JsonSerializer.Serialize(new { loginAccount = account.Id, link = link.Id })));

        // The account's session version is a concurrency token: of two uses of one link racing,
        // only one is saved.
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error switch
        {
            null => account.Email,
            ConcurrentChange => new AccessLinkUsed(),
            _ => saved.Error,
        };
    }

    private async Task<Result<(AccessLink Link, LoginAccount Account, Guid PartnerId)>> FindAsync(
        string? token, AccessLinkPurpose purpose, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return new AccessLinkInvalid();
        }

        var hash = AccessLink.HashOf(token);
        var link = await db.AccessLinks.SingleOrDefaultAsync(l => l.TokenHash == hash && l.Purpose == purpose, ct);
        var account = link is null ? null : await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == link.LoginAccountId, ct);
        if (link is null || account is null)
        {
            return new AccessLinkInvalid();
        }

        var org = await db.Organizations.AsNoTracking().Where(o => o.Id == account.OrganizationId)
            .Select(o => new { o.Status, o.PartnerId }).SingleAsync(ct);
        if (org.Status == OrganizationStatus.Deleted)
        {
            return new CustomerAccessEnded();
        }

        return (link, account, org.PartnerId);
    }
}
