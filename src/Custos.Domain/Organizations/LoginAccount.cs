namespace Custos.Domain.Organizations;

/// A person who signs in to the customer portal for an organization: its owner (created with the
/// organization, following the owner's email) and, once backups run, every backed-up mailbox.
/// An account may hold one API token; only its hash and a short hint for the masked display are kept.
public sealed class LoginAccount
{
    public const int HashLength = 64;
    public const int HintLength = 4;

    private LoginAccount()
    {
        Email = "";
        EmailNormalized = "";
    }

    public Guid Id { get; private set; }

    public Guid OrganizationId { get; private set; }

    public string Email { get; private set; }

    public string EmailNormalized { get; private set; }

    public bool IsOwner { get; private set; }

    /// Lower-case hex SHA-256 of the API token; null while the account has none.
    public string? ApiTokenHash { get; private set; }

    /// The token's last characters, for a masked display ("cst_••••abcd"); not enough to use it.
    public string? ApiTokenHint { get; private set; }

    public DateTimeOffset? ApiTokenCreatedAt { get; private set; }

    public DateTimeOffset? LastSignInAt { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// When the last password reset link went out for this account. A concurrency token: of two
    /// resets racing past the limit check, only one is saved.
    public DateTimeOffset? LastPasswordResetAt { get; private set; }

    /// "cst_••••abcd", or null without a token.
    public string? MaskedApiToken => Mask(ApiTokenHint);

    public static string? Mask(string? hint) => hint is null ? null : "cst_••••" + hint;

    public static LoginAccount ForOwner(Organization organization, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OrganizationId = organization.Id,
        Email = organization.OwnerEmail,
        EmailNormalized = organization.OwnerEmailNormalized,
        IsOwner = true,
        CreatedAt = now,
    };

    /// The account of a backed-up mailbox (it counts as a seat in use).
    public static LoginAccount ForMailbox(Organization organization, string email, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OrganizationId = organization.Id,
        Email = email.Trim(),
        EmailNormalized = TextKey.Email(email),
        IsOwner = false,
        CreatedAt = now,
    };

    /// The owner's account follows the owner's email (a new email changes how the owner signs in).
    public void FollowOwner(Organization organization)
    {
        if (!IsOwner || organization.Id != OrganizationId)
        {
            throw new InvalidOperationException("Only the organization's own owner account follows its owner.");
        }

        Email = organization.OwnerEmail;
        EmailNormalized = organization.OwnerEmailNormalized;
    }

    /// Replaces the API token (the old one stops working at once). The token itself is made and
    /// hashed outside the domain; a Deleted organization's accounts get none.
    public Result IssueApiToken(Organization organization, string tokenHash, string hint, DateTimeOffset now)
    {
        if (organization.Id != OrganizationId)
        {
            throw new InvalidOperationException("The login account belongs to another organization.");
        }

        if (organization.Status == OrganizationStatus.Deleted)
        {
            return new AlreadyDeleted();
        }

        if (tokenHash.Length != HashLength || hint.Length != HintLength)
        {
            throw new ArgumentException("Expected a SHA-256 hex hash and a four-character hint.");
        }

        ApiTokenHash = tokenHash;
        ApiTokenHint = hint;
        ApiTokenCreatedAt = now;
        return Result.Ok;
    }

    public void RecordSignIn(DateTimeOffset now) => LastSignInAt = now;

    /// Issues a single-use password reset link (valid 1 hour) for this account. Refused while the
    /// organization is Deleted (nobody can sign in) or Suspended (sign-in is refused until it is
    /// reactivated), and when <see cref="PasswordResets.PerHour"/> links went out for the
    /// organization in the hour before <paramref name="now"/> (<paramref name="recentResets"/>: when they were issued).
    public Result<(AccessLink Link, string Token)> IssuePasswordReset(
        Organization organization, IReadOnlyCollection<DateTimeOffset> recentResets, DateTimeOffset now)
    {
        if (organization.Id != OrganizationId)
        {
            throw new InvalidOperationException("The login account belongs to another organization.");
        }

        if (PasswordResets.WhyNot(organization, recentResets, now) is { } refused)
        {
            return refused;
        }

        LastPasswordResetAt = now;
        return AccessLink.Issue(this, AccessLinkPurpose.PasswordReset, now);
    }
}
