using System.Globalization;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Components.Portal.Organizations;

/// What the New organization form posts. Every field is a string (checkboxes post "true"), so no
/// input, however malformed or tampered, fails binding: the page parses and validates it and
/// answers with field errors.
public sealed class NewOrganizationInput
{
    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    public string? Email { get; set; }

    public string? Country { get; set; }

    public string? PartnerId { get; set; }

    public string? PlanId { get; set; }

    public string? OrganizationName { get; set; }

    public string? AutoLicense { get; set; }

    public string? Seats { get; set; }

    /// The "Send sign in" checkbox. It counts only while the chosen partner shows it; otherwise the
    /// partner's default decides (<see cref="NotificationSettings.SendSignIn"/>).
    public string? SendSignIn { get; set; }

    public bool AutoLicenseChecked => IsChecked(AutoLicense);

    public bool SendSignInChecked => IsChecked(SendSignIn);

    private static bool IsChecked(string? value) => string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}

/// A partner the acting partner may create organizations for: itself or one below it.
/// <see cref="Depth"/> counts the levels below the acting partner.
/// <see cref="SendSignIn"/> is the partner's notification settings: whether "Send sign in" shows and how it starts.
public sealed record PartnerChoice(Guid Id, string Name, int Depth, string Country, NotificationSettings SendSignIn, IReadOnlySet<Guid> PlanIds)
{
    public bool ShowSendSignIn => SendSignIn.ShowSendSignIn;

    public bool SendSignInByDefault => SendSignIn.SendSignInByDefault;
}

public sealed record PlanChoice(Guid Id, string Name, PlanType Type, decimal MonthlyPrice, string Currency)
{
    public bool HasSeats => Plan.HasSeats(Type);

    public string PriceText => string.Create(CultureInfo.InvariantCulture, $"{Currency} {MonthlyPrice:0.00}")
        + (HasSeats ? " per seat a month" : " a month");
}

/// The partners of the acting partner's subtree in tree order, and every plan any of them is
/// offered, so the page can switch the plan list when the partner changes without asking the server.
/// <see cref="Deactivated"/>: the subtree's deactivated partners, not offered, named in the refusal.
public sealed record NewOrganizationChoices(IReadOnlyList<PartnerChoice> Partners, IReadOnlyList<PlanChoice> Plans, IReadOnlySet<Guid> Deactivated)
{
    public static IReadOnlyList<KeyValuePair<string, string>> Countries { get; } =
        [.. Domain.Countries.All.OrderBy(c => c.Value, StringComparer.InvariantCultureIgnoreCase)];

    public PartnerChoice? Partner(string? id) =>
        Guid.TryParse(id, out var guid) ? Partners.FirstOrDefault(p => p.Id == guid) : null;

    /// Whether <paramref name="id"/> is a deactivated partner of the acting partner's subtree.
    public bool IsDeactivated(string? id) => Guid.TryParse(id, out var guid) && Deactivated.Contains(guid);

    public bool IsDeactivated(Guid id) => Deactivated.Contains(id);

    /// The plan when it is offered to <paramref name="partner"/>, else null.
    public PlanChoice? OfferedPlan(PartnerChoice? partner, string? id) =>
        partner is not null && Guid.TryParse(id, out var guid) && partner.PlanIds.Contains(guid)
            ? Plans.FirstOrDefault(p => p.Id == guid)
            : null;

    public IEnumerable<PlanChoice> PlansOf(PartnerChoice? partner) =>
        partner is null ? [] : Plans.Where(p => partner.PlanIds.Contains(p.Id));

    /// Three queries whatever the size of the subtree: its active partners, the plan offerings along
    /// their ancestry, and the published plans. <see cref="PlanCatalog.OfferedTo"/> decides per
    /// partner, the same rule <see cref="PlanLookup"/> applies when the organization is created.
    public static async Task<NewOrganizationChoices> LoadAsync(AppDbContext db, string actingPartnerPath, CancellationToken ct)
    {
        var path = actingPartnerPath;
        var subtree = await db.Partners.AsNoTracking().Where(p => p.Path.StartsWith(path)).ToListAsync(ct);
        var above = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList();
        var offerings = await db.PlanOfferings.AsNoTracking()
            .Where(o => above.Contains(o.PartnerId) || db.Partners.Any(p => p.Id == o.PartnerId && p.Path.StartsWith(path)))
            .ToListAsync(ct);
        // Personal, Backup, Archiver (the type is stored as text, so the database would sort it by name).
        var plans = (await db.Plans.AsNoTracking().Where(p => p.IsPublished).ToListAsync(ct))
            .OrderBy(p => p.Type).ThenBy(p => p.Name, StringComparer.InvariantCultureIgnoreCase).ToList();

        var actingDepth = above.Count;
        var active = subtree.Where(p => p.IsActive).ToList();
        var byParent = active.ToLookup(p => p.ParentId);
        var ids = active.Select(p => p.Id).ToHashSet();
        var ordered = new List<PartnerChoice>();

        void Visit(Domain.Partners.Partner partner)
        {
            var depth = partner.Path.Count(c => c == '/') - 1 - actingDepth;
            var offered = PlanCatalog.OfferedTo(PlanLookup.Ancestry(partner), offerings, plans).Select(p => p.Id).ToHashSet();
            ordered.Add(new PartnerChoice(partner.Id, partner.Name, Math.Max(0, depth), partner.Country, partner.Notifications, offered));
            foreach (var child in byParent[partner.Id].OrderBy(c => c.Name, StringComparer.InvariantCultureIgnoreCase))
            {
                Visit(child);
            }
        }

        // The acting partner first; an active partner whose parent is inactive still starts its own branch.
        foreach (var top in active.Where(p => p.ParentId is not { } parent || !ids.Contains(parent))
                     .OrderBy(p => p.Path.Length).ThenBy(p => p.Name, StringComparer.InvariantCultureIgnoreCase))
        {
            Visit(top);
        }

        var usable = ordered.SelectMany(p => p.PlanIds).ToHashSet();
        return new NewOrganizationChoices(
            ordered,
            [.. plans.Where(p => usable.Contains(p.Id)).Select(p => new PlanChoice(p.Id, p.Name, p.Type, p.MonthlyPrice, p.Currency))],
            subtree.Where(p => !p.IsActive).Select(p => p.Id).ToHashSet());
    }
}
