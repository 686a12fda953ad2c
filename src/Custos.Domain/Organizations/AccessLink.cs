using System.Security.Cryptography;
using System.Text;

namespace Custos.Domain.Organizations;

/// What a one-time link lets its holder do.
public enum AccessLinkPurpose
{
    /// Set the first password of a customer-portal login account (sign-in invitation).
    Invitation = 1,

    /// Choose a new password for a customer-portal login account.
    PasswordReset = 2,
}

/// A single-use link sent by mail to a customer-portal login account: an invitation (valid 7 days)
/// or a password reset (valid 1 hour). Only the SHA-256 of the token is stored; the token itself
/// exists in the mail alone.
public sealed class AccessLink
{
    public const int HashLength = 64;

    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);
    public static readonly TimeSpan PasswordResetLifetime = TimeSpan.FromHours(1);

    private AccessLink()
    {
        TokenHash = "";
    }

    public Guid Id { get; private set; }

    public Guid LoginAccountId { get; private set; }

    public Guid OrganizationId { get; private set; }

    public AccessLinkPurpose Purpose { get; private set; }

    /// Lower-case hex SHA-256 of the token.
    public string TokenHash { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    /// When the link was used; a used link never works again.
    public DateTimeOffset? UsedAt { get; private set; }

    public static TimeSpan LifetimeOf(AccessLinkPurpose purpose) => purpose switch
    {
        AccessLinkPurpose.Invitation => InvitationLifetime,
        AccessLinkPurpose.PasswordReset => PasswordResetLifetime,
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };

    /// A new link for <paramref name="account"/> and the token to put in the mail (URL-safe).
    public static (AccessLink Link, string Token) Issue(LoginAccount account, AccessLinkPurpose purpose, DateTimeOffset now)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var link = new AccessLink
        {
            Id = Guid.CreateVersion7(now),
            LoginAccountId = account.Id,
            OrganizationId = account.OrganizationId,
            Purpose = purpose,
            TokenHash = HashOf(token),
            CreatedAt = now,
            ExpiresAt = now + LifetimeOf(purpose),
        };
        return (link, token);
    }

    public static string HashOf(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// Uses the link once: refused when it was used before or has expired.
    public Result Use(DateTimeOffset now)
    {
        if (UsedAt is not null)
        {
            return new AccessLinkUsed();
        }

        if (now >= ExpiresAt)
        {
            return new AccessLinkExpired(ExpiresAt);
        }

        UsedAt = now;
        return Result.Ok;
    }
}

/// The link was already used.
public sealed record AccessLinkUsed() : Error("access-link-used", "This link has already been used. Ask for a new one.");

/// The link is older than its lifetime.
public sealed record AccessLinkExpired(DateTimeOffset ExpiredAt) : Error("access-link-expired", "This link has expired. Ask for a new one.");
