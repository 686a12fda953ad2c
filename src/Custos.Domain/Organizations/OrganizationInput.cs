using System.Net.Mail;
using Custos.Domain.Plans;

namespace Custos.Domain.Organizations;

/// The owner's personal details and the organization's name, as typed by a partner.
public sealed record PersonalInfo(string? FirstName, string? LastName, string? Email, string? Country, string? OrganizationName);

public sealed record NewOrganization(PersonalInfo Info, bool AutoLicense, int? Seats);

/// The checked, trimmed form of <see cref="PersonalInfo"/>.
public sealed record ValidPersonalInfo(string FirstName, string LastName, string Email, string Country, string OrganizationName);

public static class OrganizationLimits
{
    public const int MaxPersonNameLength = 100;
    public const int MaxEmailLength = 254;
    public const int MaxOrganizationNameLength = 200;
    public const int MaxSeats = 100_000;

    /// Checks every field at once so the page can show each message beside its field. For a
    /// Personal plan the organization name is not typed: it becomes the owner's full name.
    public static Result<ValidPersonalInfo> Validate(PersonalInfo info, PlanType planType)
    {
        var errors = new List<FieldError>();
        var first = Text(info.FirstName, "firstName", "First name", MaxPersonNameLength, errors);
        var last = Text(info.LastName, "lastName", "Last name", MaxPersonNameLength, errors);
        var email = Email(info.Email, errors);

        string? country = null;
        if (string.IsNullOrWhiteSpace(info.Country))
        {
            errors.Add(new FieldError("country", "Country is required."));
        }
        else if ((country = Countries.Normalize(info.Country)) is null)
        {
            errors.Add(new FieldError("country", "Country must be chosen from the list."));
        }

        string? name;
        if (planType == PlanType.Personal)
        {
            name = $"{first} {last}";
            if (first is not null && last is not null && name.Length > MaxOrganizationNameLength)
            {
                errors.Add(new FieldError("lastName", $"First and last name together must be at most {MaxOrganizationNameLength - 1} characters."));
            }
        }
        else
        {
            name = Text(info.OrganizationName, "organizationName", "Organization name", MaxOrganizationNameLength, errors);
        }

        // Compatibility normalization can expand a few characters into many; the normalized form
        // is what the database stores and indexes.
        if (name is not null && TextKey.Name(name).Length > MaxOrganizationNameLength * 2)
        {
            errors.Add(new FieldError(planType == PlanType.Personal ? "lastName" : "organizationName", "Organization name is too long."));
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        return new ValidPersonalInfo(first!, last!, email!, country!, name!);
    }

    public static Result ValidateLicense(PlanType planType, bool autoLicense, int? seats)
    {
        if (!Plan.HasSeats(planType))
        {
            if (autoLicense)
            {
                return new ValidationFailed("autoLicense", "Auto license is not available on Personal plans.");
            }

            return seats is null ? Result.Ok : new ValidationFailed("seats", "Personal plans have no seats.");
        }

        if (autoLicense)
        {
            return seats is null ? Result.Ok : new ValidationFailed("seats", "Seats are not set while auto license is on.");
        }

        if (seats is null)
        {
            return new ValidationFailed("seats", "Number of seats is required when auto license is off.");
        }

        return seats is < 1 or > MaxSeats ? new SeatsOutOfRange(MaxSeats) : Result.Ok;
    }

    private static string? Text(string? value, string field, string label, int max, List<FieldError> errors)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            errors.Add(new FieldError(field, $"{label} is required."));
            return null;
        }

        if (v.Length > max)
        {
            errors.Add(new FieldError(field, $"{label} must be at most {max} characters."));
            return null;
        }

        if (TextKey.HasControlCharacters(v))
        {
            errors.Add(new FieldError(field, $"{label} cannot contain control characters or line breaks."));
            return null;
        }

        return v;
    }

    private static string? Email(string? value, List<FieldError> errors)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            errors.Add(new FieldError("email", "Email is required."));
            return null;
        }

        if (v.Length > MaxEmailLength || !IsAddress(v))
        {
            errors.Add(new FieldError("email", "Email must be a valid address such as name@example.com."));
            return null;
        }

        return v;
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
