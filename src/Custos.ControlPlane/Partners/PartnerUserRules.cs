using System.Net.Mail;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Partners;

/// The rules for a partner's own users, in one place. Only owners and full administrators manage
/// users and groups; only an owner makes, changes or removes an owner (so a full administrator can
/// never lift anyone, itself included, above its own role); a partner always keeps at least one
/// owner; nobody removes themselves.
public static class PartnerUserRules
{
    public const int MaxEmailLength = 254;
    public const int MaxDisplayNameLength = 200;

    /// The most ids one change may name (members or organizations); a page sends far fewer.
    public const int MaxIdsPerChange = 1000;

    public static bool ManagesUsers(PartnerRole role) => role is PartnerRole.Owner or PartnerRole.FullAdministrator;

    public static string Label(PartnerRole role) => role switch
    {
        PartnerRole.Owner => "Owner",
        PartnerRole.FullAdministrator => "Full administrator",
        PartnerRole.Administrator => "Administrator",
        PartnerRole.ReadOnly => "Read-only",
        _ => role.ToString(),
    };

    /// Roles are posted by name ("FullAdministrator"); numbers and unknown names are refused.
    public static PartnerRole? ParseRole(string? value) =>
        value is not null && Enum.GetNames<PartnerRole>().Contains(value, StringComparer.Ordinal)
            ? Enum.Parse<PartnerRole>(value)
            : null;

    public static Error? MayGrant(PartnerRole actor, PartnerRole role) =>
        role == PartnerRole.Owner && actor != PartnerRole.Owner ? new OwnerRoleReserved() : null;

    /// <paramref name="otherOwners"/>: owners of the partner besides the user whose role changes.
    public static Error? MayChangeRole(PartnerRole actor, PartnerRole from, PartnerRole to, int otherOwners)
    {
        if (from == to)
        {
            return new NoChange();
        }

        if ((from == PartnerRole.Owner || to == PartnerRole.Owner) && actor != PartnerRole.Owner)
        {
            return new OwnerRoleReserved();
        }

        return from == PartnerRole.Owner && otherOwners == 0 ? new LastOwner() : null;
    }

    public static Error? MayRemove(PartnerRole actor, PartnerRole target, bool isSelf, int otherOwners)
    {
        if (isSelf)
        {
            return new CannotRemoveYourself();
        }

        if (target == PartnerRole.Owner && actor != PartnerRole.Owner)
        {
            return new OwnerRoleReserved();
        }

        return target == PartnerRole.Owner && otherOwners == 0 ? new LastOwner() : null;
    }

    /// Checks the fields of a new user at once, so the page can show each message beside its field.
    public static Result<(string Email, string DisplayName, PartnerRole Role)> ValidateNewUser(string? email, string? displayName, PartnerRole? role)
    {
        var errors = new List<FieldError>();
        var e = email?.Trim() ?? "";
        if (e.Length == 0)
        {
            errors.Add(new FieldError("email", "Email is required."));
        }
        else if (e.Length > MaxEmailLength || !IsAddress(e))
        {
            errors.Add(new FieldError("email", "Email must be a valid address such as name@example.com."));
        }

        var n = displayName?.Trim() ?? "";
        if (n.Length == 0)
        {
            errors.Add(new FieldError("displayName", "Name is required."));
        }
        else if (n.Length > MaxDisplayNameLength)
        {
            errors.Add(new FieldError("displayName", $"Name must be at most {MaxDisplayNameLength} characters."));
        }
        else if (TextKey.HasControlCharacters(n))
        {
            errors.Add(new FieldError("displayName", "Name cannot contain control characters or line breaks."));
        }

        if (role is not { } r || !Enum.IsDefined(r))
        {
            errors.Add(new FieldError("role", "Choose a role."));
        }

        return errors.Count > 0 ? new ValidationFailed(errors) : (e, n, role!.Value);
    }

    private static bool IsAddress(string v)
    {
        if (TextKey.HasControlCharacters(v) || v.Any(char.IsWhiteSpace) || v.Contains('<') || v.Contains('>'))
        {
            return false;
        }

        if (!MailAddress.TryCreate(v, out var parsed) || !string.Equals(parsed.Address, v, StringComparison.Ordinal))
        {
            return false;
        }

        var domain = parsed.Host;
        return domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..", StringComparison.Ordinal);
    }
}
