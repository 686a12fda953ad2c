using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class CreationValidationTests
{
    private static readonly Partner Partner = Given.Partner(Given.Start);

    [Fact]
    public void Create_WithValidInput_StoresTrimmedFieldsAndAPublicId()
    {
        var plan = Given.Plan(PlanType.Backup, Given.Start);
        var info = new PersonalInfo("  Ann ", " Smith  ", "  Ann.Smith@Example.com ", " de ", "  Acme   GmbH ");

        var org = Organization.Create(new NewOrganization(info, false, 10), Partner, plan, Given.Start).ShouldSucceed();

        org.PublicId.ShouldMatch("^ORG-[0-9A-HJKMNP-TV-Z]{8}$");
        org.PartnerId.ShouldBe(Partner.Id);
        org.PlanId.ShouldBe(plan.Id);
        org.PlanType.ShouldBe(PlanType.Backup);
        (org.OwnerFirstName, org.OwnerLastName, org.Country).ShouldBe(("Ann", "Smith", "DE"));
        org.OwnerEmail.ShouldBe("Ann.Smith@Example.com");
        org.OwnerEmailNormalized.ShouldBe("ann.smith@example.com");
        org.Name.ShouldBe("Acme   GmbH");
        org.NameNormalized.ShouldBe("acme gmbh");
    }

    [Theory]
    [InlineData("firstName", "")]
    [InlineData("firstName", "   ")]
    [InlineData("lastName", null)]
    [InlineData("lastName", " \t ")]
    [InlineData("email", "")]
    [InlineData("email", "  ")]
    [InlineData("country", "")]
    [InlineData("country", " ")]
    [InlineData("organizationName", "")]
    [InlineData("organizationName", "  ")]
    public void Create_WithEmptyOrWhitespaceField_FailsNamingThatField(string field, string? value)
    {
        var result = Create(With(field, value));

        result.ShouldFailOnFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Typed By Mistake")]
    public void Create_OnPersonal_DerivesTheOrganizationNameFromTheOwner(string? typedName)
    {
        var org = Create(Given.Info() with { OrganizationName = typedName }, PlanType.Personal, seats: null).ShouldSucceed();

        org.Name.ShouldBe("Ann Smith");
        org.NameNormalized.ShouldBe("ann smith");
    }

    [Theory]
    [InlineData("firstName", OrganizationLimits.MaxPersonNameLength, true)]
    [InlineData("firstName", OrganizationLimits.MaxPersonNameLength + 1, false)]
    [InlineData("lastName", OrganizationLimits.MaxPersonNameLength, true)]
    [InlineData("lastName", OrganizationLimits.MaxPersonNameLength + 1, false)]
    [InlineData("organizationName", OrganizationLimits.MaxOrganizationNameLength, true)]
    [InlineData("organizationName", OrganizationLimits.MaxOrganizationNameLength + 1, false)]
    [InlineData("email", OrganizationLimits.MaxEmailLength, true)]
    [InlineData("email", OrganizationLimits.MaxEmailLength + 1, false)]
    public void Validate_FieldAroundItsMaximumLength_AcceptsUpToTheMaximum(string field, int length, bool valid)
    {
        var value = field == "email" ? EmailOfLength(length) : new string('x', length);
        // Surrounding white space is trimmed before the length is checked.
        var result = OrganizationLimits.Validate(With(field, $"  {value}  "), PlanType.Backup);

        if (valid)
        {
            result.ShouldSucceed();
        }
        else
        {
            result.ShouldFailOnFields().ShouldBe([field]);
        }
    }

    [Theory]
    [InlineData(OrganizationLimits.MaxPersonNameLength, OrganizationLimits.MaxPersonNameLength - 1, true)]
    [InlineData(OrganizationLimits.MaxPersonNameLength, OrganizationLimits.MaxPersonNameLength, false)]
    public void Validate_OnPersonal_KeepsTheDerivedNameWithinTheOrganizationNameLimit(int firstLength, int lastLength, bool valid)
    {
        var info = Given.Info() with { FirstName = new string('f', firstLength), LastName = new string('l', lastLength) };

        var result = OrganizationLimits.Validate(info, PlanType.Personal);

        if (valid)
        {
            result.ShouldSucceed().OrganizationName.Length.ShouldBe(OrganizationLimits.MaxOrganizationNameLength);
        }
        else
        {
            result.ShouldFailOnFields().ShouldBe(["lastName"]);
        }
    }

    [Theory]
    [InlineData("a")]
    [InlineData("a@b")]
    [InlineData("a b@c.com")]
    [InlineData("<a@b.com>")]
    [InlineData("a@b..com")]
    [InlineData("Name <a@b.com>")]
    [InlineData("ann@example.com.")]
    [InlineData("ann@exa\nmple.com")]
    public void Create_WithInvalidEmail_FailsOnEmail(string email)
    {
        Create(Given.Info() with { Email = email }).ShouldFailOnFields().ShouldBe(["email"]);
    }

    [Theory]
    [InlineData("ann@example.com", "ann@example.com")]
    [InlineData("ann.smith+backups@mail.example.co.uk", "ann.smith+backups@mail.example.co.uk")]
    [InlineData("  ANN@Example.COM ", "ANN@Example.COM")]
    public void Create_WithValidEmail_KeepsItTrimmed(string email, string stored)
    {
        var org = Create(Given.Info() with { Email = email }).ShouldSucceed();

        org.OwnerEmail.ShouldBe(stored);
        org.OwnerEmailNormalized.ShouldBe(stored.ToLowerInvariant());
    }

    [Theory]
    [InlineData("XX", null)]
    [InlineData("de", "DE")]
    [InlineData(" fr ", "FR")]
    public void Create_WithCountry_AcceptsOnlyIsoCodesInAnyCase(string country, string? stored)
    {
        var result = Create(Given.Info() with { Country = country });

        if (stored is null)
        {
            result.ShouldFailOnFields().ShouldBe(["country"]);
        }
        else
        {
            result.ShouldSucceed().Country.ShouldBe(stored);
        }
    }

    [Theory]
    [InlineData("firstName", "Ann\nMarie")]
    [InlineData("firstName", "Ann\rMarie")]
    [InlineData("lastName", "Smith\tJones")]
    [InlineData("lastName", "Smith\u0000")]
    [InlineData("organizationName", "Acme\u2028GmbH")]
    [InlineData("organizationName", "Acme\u0085GmbH")]
    public void Create_WithControlCharacter_FailsNamingThatField(string field, string value)
    {
        Create(With(field, value)).ShouldFailOnFields().ShouldBe([field]);
    }

    // Built at run time: a lone surrogate cannot survive in attribute metadata (it becomes U+FFFD).
    [Theory]
    [InlineData("organizationName", 0xD83D)]
    [InlineData("firstName", 0xDE00)]
    public void Create_WithLoneSurrogate_FailsNamingThatField(string field, int surrogate)
    {
        Create(With(field, $"Acme {(char)surrogate} GmbH")).ShouldFailOnFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData("Zoë Ørsted-Łukasz 😀")]
    [InlineData("👨‍👩‍👧 Family Backup")]
    public void Create_WithAccentsOrEmoji_AcceptsTheName(string name)
    {
        Create(Given.Info() with { OrganizationName = name }).ShouldSucceed().Name.ShouldBe(name);
    }

    [Theory]
    [InlineData(PlanType.Personal, true, null, "autoLicense")]
    [InlineData(PlanType.Personal, false, 5, "seats")]
    [InlineData(PlanType.Backup, false, null, "seats")]
    [InlineData(PlanType.Archiver, true, 5, "seats")]
    public void Create_WithLicenseNotFittingThePlan_FailsOnThatField(PlanType type, bool autoLicense, int? seats, string field)
    {
        Create(Given.Info(), type, autoLicense, seats).ShouldFailOnFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(OrganizationLimits.MaxSeats + 1)]
    public void Create_WithSeatsOutOfRange_FailsWithSeatsOutOfRange(int seats)
    {
        Create(Given.Info(), PlanType.Backup, autoLicense: false, seats).ShouldFailWith<SeatsOutOfRange>().Field.ShouldBe("seats");
    }

    [Theory]
    [InlineData(PlanType.Backup, false, 10)]
    [InlineData(PlanType.Archiver, true, null)]
    [InlineData(PlanType.Personal, false, null)]
    public void Create_WithLicenseFittingThePlan_StoresIt(PlanType type, bool autoLicense, int? seats)
    {
        var org = Create(Given.Info(), type, autoLicense, seats).ShouldSucceed();

        (org.AutoLicense, org.Seats).ShouldBe((autoLicense, seats));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Create_WithEveryFieldWrong_ReturnsAllFieldErrorsTogether(int? seats)
    {
        var empty = new PersonalInfo(" ", null, "", "  ", "");

        var fields = Create(empty, PlanType.Backup, autoLicense: false, seats).ShouldFailOnFields();

        fields.ShouldBe(["firstName", "lastName", "email", "country", "organizationName", "seats"]);
    }

    private static Result<Organization> Create(
        PersonalInfo info, PlanType type = PlanType.Backup, bool autoLicense = false, int? seats = Given.Seats) =>
        Organization.Create(new NewOrganization(info, autoLicense, seats), Partner, Given.Plan(type, Given.Start), Given.Start);

    private static PersonalInfo With(string field, string? value) => field switch
    {
        "firstName" => Given.Info() with { FirstName = value },
        "lastName" => Given.Info() with { LastName = value },
        "email" => Given.Info() with { Email = value },
        "country" => Given.Info() with { Country = value },
        "organizationName" => Given.Info() with { OrganizationName = value },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// A syntactically valid address of exactly <paramref name="length"/> characters: a 60-character
    /// local part, then domain labels of at most 60 characters, then "com".
    private static string EmailOfLength(int length)
    {
        var email = new string('a', 60) + "@";
        var remaining = length - email.Length - "com".Length;
        while (remaining > 0)
        {
            var label = Math.Min(remaining - 1, 60);
            email += new string('b', label) + ".";
            remaining -= label + 1;
        }

        email += "com";
        email.Length.ShouldBe(length);
        return email;
    }
}
