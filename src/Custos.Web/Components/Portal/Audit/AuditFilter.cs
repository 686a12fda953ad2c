using System.Globalization;
using Custos.ControlPlane.Audit;
using Custos.Domain.Audit;

namespace Custos.Web.Components.Portal.Audit;

/// The audit journal's filters as they live in the address (?actor=&amp;type=&amp;from=&amp;to=&amp;before=),
/// shared by the page, the organization's Audit tab and the CSV download. A value that does not
/// parse is reported on its field and not applied.
public sealed record AuditFilter(AuditQuery Query, string Actor, string Type, string From, string To, IReadOnlyDictionary<string, string> Errors)
{
    public static AuditFilter Parse(IQueryCollection q, Guid? organizationId = null)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var actor = q["actor"].ToString().Trim();
        if (actor.Length > AuditQuery.MaxActorLength)
        {
            errors["actor"] = $"Search for at most {AuditQuery.MaxActorLength} characters of a name.";
            actor = actor[..AuditQuery.MaxActorLength];
        }

        var typeText = q["type"].ToString().Trim();
        AuditEventType? type = null;
        if (typeText.Length > 0)
        {
            if (int.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Enum.IsDefined((AuditEventType)n))
            {
                type = (AuditEventType)n;
            }
            else
            {
                errors["type"] = "Choose an event type from the list.";
            }
        }

        var from = Day(q["from"].ToString(), "from", errors);
        var to = Day(q["to"].ToString(), "to", errors);
        if (from is { } f && to is { } t && t < f)
        {
            errors["to"] = "The end date must not be before the start date.";
            to = null;
        }

        long? before = long.TryParse(q["before"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : null;
        var query = new AuditQuery(actor.Length == 0 ? null : actor, type, from, to, organizationId, before);
        return new AuditFilter(query, actor, type is null ? "" : ((int)type).ToString(CultureInfo.InvariantCulture),
            from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? q["from"].ToString(),
            to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? q["to"].ToString(), errors);
    }

    /// The filters as a query string (without the page position), for links and the CSV address.
    public string QueryString(long? before = null)
    {
        var parts = new List<string>();
        Add(parts, "actor", Actor);
        Add(parts, "type", Type);
        Add(parts, "from", Errors.ContainsKey("from") ? "" : From);
        Add(parts, "to", Errors.ContainsKey("to") ? "" : To);
        if (before is { } b)
        {
            parts.Add("before=" + b.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// Every event type with its name, in name order, for the filter's list.
    public static IReadOnlyList<(int Value, string Name)> EventTypes { get; } =
        [.. Enum.GetValues<AuditEventType>().Select(t => ((int)t, AuditEventNames.Display(t))).OrderBy(t => t.Item2, StringComparer.Ordinal)];

    private static void Add(List<string> parts, string name, string value)
    {
        if (value.Length > 0)
        {
            parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }

    private static DateOnly? Day(string text, string field, Dictionary<string, string> errors)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors[field] = "Enter a date as YYYY-MM-DD.";
        return null;
    }
}
