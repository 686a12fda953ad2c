namespace Custos.Domain.Partners;

/// A named set of a partner's organizations. Administrators are assigned to groups and act only on
/// the organizations in them; a partner user in no group cannot log in as a client.
public sealed class PartnerGroup
{
    public const int MaxNameLength = 100;

    private PartnerGroup()
    {
        Name = "";
    }

    public Guid Id { get; private set; }

    public Guid PartnerId { get; private set; }

    public string Name { get; private set; }

    public static Result<PartnerGroup> Create(Guid partnerId, string? name, DateTimeOffset now)
    {
        var n = name?.Trim() ?? "";
        if (n.Length == 0)
        {
            return new ValidationFailed("name", "Group name is required.");
        }

        if (n.Length > MaxNameLength || TextKey.HasControlCharacters(n))
        {
            return new ValidationFailed("name", $"Group name must be at most {MaxNameLength} characters of plain text.");
        }

        return new PartnerGroup { Id = Guid.CreateVersion7(now), PartnerId = partnerId, Name = n };
    }

    public Result Rename(string? name)
    {
        var valid = Create(PartnerId, name, DateTimeOffset.UnixEpoch);
        if (valid.Error is not null)
        {
            return valid.Error;
        }

        Name = valid.Value!.Name;
        return Result.Ok;
    }
}

/// A partner user assigned to a group.
public sealed class PartnerGroupMember
{
    public Guid GroupId { get; set; }

    public Guid UserId { get; set; }
}

/// An organization placed in a group.
public sealed class PartnerGroupOrganization
{
    public Guid GroupId { get; set; }

    public Guid OrganizationId { get; set; }
}
