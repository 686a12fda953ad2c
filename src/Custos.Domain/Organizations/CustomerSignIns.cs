namespace Custos.Domain.Organizations;

/// The customer portal's access rules: who may sign in, when the portal is read-only, lockout and
/// password rules (the same as for partner users).
public static class CustomerSignIns
{
    public const int MaxFailures = 5;

    public const int MinPasswordLength = 12;

    public const int MaxPasswordLength = 256;

    public static readonly TimeSpan Lockout = TimeSpan.FromMinutes(15);

    /// Why nobody may use the portal of an organization in <paramref name="status"/>, or null:
    /// Suspended and Deleted organizations refuse every sign-in and every existing session.
    public static Error? WhyNot(OrganizationStatus status) => status switch
    {
        OrganizationStatus.Suspended => new CustomerAccessSuspended(),
        OrganizationStatus.Deleted => new CustomerAccessEnded(),
        _ => null,
    };

    /// Unsubscribed organizations keep read-only access until the purge date, to download their data.
    public static bool IsReadOnly(OrganizationStatus status) => status != OrganizationStatus.Active;

    /// The password rules: 12 to 256 characters with an upper-case letter, a lower-case letter and a digit.
    public static Error? WhyNotPassword(string? password)
    {
        var p = password ?? "";
        if (p.Length < MinPasswordLength || p.Length > MaxPasswordLength)
        {
            return new ValidationFailed("password", $"A password has {MinPasswordLength} to {MaxPasswordLength} characters.");
        }

        if (!p.Any(char.IsUpper) || !p.Any(char.IsLower) || !p.Any(char.IsAsciiDigit))
        {
            return new ValidationFailed("password", "A password needs an upper-case letter, a lower-case letter and a digit.");
        }

        return null;
    }
}

public sealed record CustomerAccessSuspended()
    : Error("customer_access_suspended", "Your organization's access is suspended. Contact your service provider to restore it.");

public sealed record CustomerAccessEnded()
    : Error("customer_access_ended", "This organization was deleted: its customer portal can no longer be used.");

public sealed record CustomerReadOnly()
    : Error("customer_read_only", "The organization is unsubscribed: its portal is read-only until the purge date.");

public sealed record TwoFactorAlreadyOn()
    : Error("two_factor_on", "Two-factor authentication is already on.");

public sealed record TwoFactorCodeReused()
    : Error("two_factor_code_reused", "That code was already used. Wait for the next code your app shows.");
