namespace Custos.Domain.Plans;

public enum PlanType
{
    Personal = 1,
    Backup = 2,
    Archiver = 3,
}

/// A catalog entry. The price is per seat for Backup and Archiver and flat per organization for Personal.
public sealed class Plan
{
    private Plan()
    {
        Name = "";
        Currency = "";
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; }

    public PlanType Type { get; private set; }

    public decimal MonthlyPrice { get; private set; }

    public string Currency { get; private set; }

    public int StorageAllowanceGb { get; private set; }

    public bool IsPublished { get; private set; } = true;

    public static Result<Plan> Create(string name, PlanType type, decimal monthlyPrice, string currency, int storageAllowanceGb, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
        {
            errors.Add(new FieldError("name", "Plan name is required (at most 100 characters)."));
        }

        if (!Enum.IsDefined(type))
        {
            errors.Add(new FieldError("type", "Plan type must be Personal, Backup or Archiver."));
        }

        if (monthlyPrice < 0 || monthlyPrice > 100_000)
        {
            errors.Add(new FieldError("monthlyPrice", "Monthly price must be between 0 and 100000."));
        }

        if (currency is null || currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add(new FieldError("currency", "Currency must be a three-letter ISO 4217 code such as EUR."));
        }

        if (storageAllowanceGb < 0)
        {
            errors.Add(new FieldError("storageAllowanceGb", "Storage allowance cannot be negative."));
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        return new Plan
        {
            Id = Guid.CreateVersion7(now),
            Name = name!.Trim(),
            Type = type,
            MonthlyPrice = monthlyPrice,
            Currency = currency!,
            StorageAllowanceGb = storageAllowanceGb,
        };
    }

    /// Whether an organization on this plan type may move to <paramref name="to"/>: any plan of the
    /// same type, and Backup up to Archiver; everything else is a downgrade or cross-grade.
    public static bool CanChangeType(PlanType from, PlanType to) =>
        from == to || (from, to) is (PlanType.Backup, PlanType.Archiver);

    public static bool HasSeats(PlanType type) => type is PlanType.Backup or PlanType.Archiver;
}

/// A partner's explicit list of plans it may sell. A partner without any rows inherits the list of
/// the nearest ancestor that has some; when no ancestor has any, every published plan is offered.
public sealed class PlanOffering
{
    public Guid PartnerId { get; set; }

    public Guid PlanId { get; set; }
}

public static class PlanCatalog
{
    /// <param name="ancestryFromSelfUp">The partner itself first, then its parent, up to the root.</param>
    public static IReadOnlyList<Plan> OfferedTo(
        IReadOnlyList<Guid> ancestryFromSelfUp, IEnumerable<PlanOffering> offerings, IEnumerable<Plan> plans)
    {
        var byPartner = offerings.ToLookup(o => o.PartnerId, o => o.PlanId);
        var published = plans.Where(p => p.IsPublished).ToList();
        foreach (var partnerId in ancestryFromSelfUp)
        {
            if (byPartner.Contains(partnerId))
            {
                var ids = byPartner[partnerId].ToHashSet();
                return published.Where(p => ids.Contains(p.Id)).ToList();
            }
        }

        return published;
    }
}
