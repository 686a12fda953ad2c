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

    // ---- Customer portal sign-in (see Custos.ControlPlane/CustomerPortal/README.md) -------------

    /// The person's own names, as they typed them in Account Settings (the owner's default to the
    /// organization's owner names).
    public string? FirstName { get; private set; }

    public string? LastName { get; private set; }

    /// A full administrator of the organization: may do what the owner may, such as request a transfer.
    public bool IsFullAdministrator { get; private set; }

    /// ASP.NET Core Identity's password hash (PasswordHasher); null until a link sets a password.
    public string? PasswordHash { get; private set; }

    public DateTimeOffset? PasswordSetAt { get; private set; }

    /// Wrong passwords and codes since the last success or lockout.
    public int FailedSignIns { get; private set; }

    public DateTimeOffset? LockedUntil { get; private set; }

    /// The shared TOTP key (Base32); kept while enrolment is pending or two-factor is on.
    public string? AuthenticatorKey { get; private set; }

    public bool TwoFactorEnabled { get; private set; }

    /// The last 30-second step whose code was accepted: a code is never accepted twice.
    public long? LastTotpStep { get; private set; }

    /// Goes up whenever the password or two-factor changes: sessions signed in before end.
    public int SessionVersion { get; private set; }

    public bool HasPassword => PasswordHash is not null;

    /// The owner and full administrators act for the organization (e.g. request a transfer).
    public bool ActsForOrganization => IsOwner || IsFullAdministrator;

    public bool IsLockedOut(DateTimeOffset now) => LockedUntil is { } until && until > now;

    /// Counts a wrong password or code; the <see cref="CustomerSignIns.MaxFailures"/>th locks the
    /// account for <see cref="CustomerSignIns.Lockout"/>.
    public void RecordFailedSignIn(DateTimeOffset now)
    {
        FailedSignIns++;
        if (FailedSignIns >= CustomerSignIns.MaxFailures)
        {
            LockedUntil = now + CustomerSignIns.Lockout;
            FailedSignIns = 0;
        }
    }

    /// A new password (already hashed) from an invitation or reset link: ends a lockout (whoever
    /// reads the mailbox is the person) and every session signed in with the old one.
    public void SetPassword(string passwordHash, DateTimeOffset now)
    {
        PasswordHash = passwordHash;
        PasswordSetAt = now;
        FailedSignIns = 0;
        LockedUntil = null;
        SessionVersion++;
    }

    public Result UpdateNames(string? firstName, string? lastName)
    {
        var errors = new List<FieldError>();
        var first = Name(firstName, "firstName", "First name", errors);
        var last = Name(lastName, "lastName", "Last name", errors);
        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        FirstName = first;
        LastName = last;
        return Result.Ok;
    }

    private static string Name(string? value, string field, string label, List<FieldError> errors)
    {
        var v = value?.Trim() ?? "";
        if (v.Length == 0)
        {
            errors.Add(new FieldError(field, $"{label} is required."));
        }
        else if (v.Length > OrganizationLimits.MaxPersonNameLength || TextKey.HasControlCharacters(v))
        {
            errors.Add(new FieldError(field, $"{label} must be at most {OrganizationLimits.MaxPersonNameLength} characters of plain text."));
        }

        return v;
    }

    public void SetFullAdministrator(bool value) => IsFullAdministrator = value;

    /// Starts (or restarts) enrolment with a new shared key; refused while two-factor is on.
    public Result BeginTwoFactor(string key)
    {
        if (TwoFactorEnabled)
        {
            return new TwoFactorAlreadyOn();
        }

        AuthenticatorKey = key;
        return Result.Ok;
    }

    /// Takes the step of a verified code: refused when that step (or a later one) was used before.
    public Result AcceptCode(long step)
    {
        if (LastTotpStep is { } last && step <= last)
        {
            return new TwoFactorCodeReused();
        }

        LastTotpStep = step;
        FailedSignIns = 0;
        return Result.Ok;
    }

    public void EnableTwoFactor()
    {
        TwoFactorEnabled = AuthenticatorKey is not null;
        SessionVersion++;
    }

    /// Off, and the key forgotten: a later enrolment starts from a new one.
    public void DisableTwoFactor()
    {
        TwoFactorEnabled = false;
        AuthenticatorKey = null;
        SessionVersion++;
    }

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

    public void RecordSignIn(DateTimeOffset now)
    {
        LastSignInAt = now;
        FailedSignIns = 0;
    }

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
