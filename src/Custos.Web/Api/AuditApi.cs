using System.Globalization;
using Custos.ControlPlane.Audit;
using Custos.Domain.Audit;
using Custos.Web.Hosting;

namespace Custos.Web.Api;

/// The audit journal of the key's partner and every partner below it: the same entries, filters and
/// order as the portal's Audit page (ListAuditEntries), a page of 50 at a time.
public static class AuditApi
{
    // The API's cursor wraps the journal's keyset (the last entry's number), so what is inside can change.
    private const string CursorPrefix = "a1.";

    public static void MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit-entries", ListAsync).WithTags("Audit").WithName("listAuditEntries")
            .WithSummary("List audit entries")
            .WithDescription(
                $"Newest first, {ListAuditEntries.PageSize} a page: pass nextCursor back as cursor. Filters: actor (part of the actor's or the " +
                "impersonator's name, taken literally), event (an event type), from and to (UTC days, yyyy-MM-dd, both included), " +
                "organizationId (entries of one organization; another partner's organization has none).")
            .Produces<AuditEntryPage>().Problems(400);
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, PartnerContext partner, ListAuditEntries journal,
        string? actor, string? @event, string? from, string? to, string? organizationId, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        if (actor is { Length: > AuditQuery.MaxActorLength })
        {
            errors["actor"] = [$"actor must be at most {AuditQuery.MaxActorLength} characters."];
        }

        AuditEventType? type = @event is null ? null : OrganizationsApi.ParseEnum(@event, default(AuditEventType), "event", errors);
        var fromDay = Day(from, "from", errors);
        var toDay = Day(to, "to", errors);
        if (fromDay is not null && toDay is not null && toDay < fromDay && !errors.ContainsKey("to"))
        {
            errors["to"] = ["to must be on or after from."];
        }

        Guid? organization = null;
        if (organizationId is not null)
        {
            if (Guid.TryParse(organizationId, out var id))
            {
                organization = id;
            }
            else
            {
                errors["organizationId"] = ["organizationId must be an organization's id (a UUID)."];
            }
        }

        long? before = null;
        if (cursor is not null)
        {
            if (cursor.StartsWith(CursorPrefix, StringComparison.Ordinal)
                && long.TryParse(cursor.AsSpan(CursorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                before = last;
            }
            else
            {
                errors["cursor"] = ["cursor is not one this API gave out; start without it."];
            }
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_query", "Some query parameters are not valid.", errors);
        }

        var query = new AuditQuery(string.IsNullOrWhiteSpace(actor) ? null : actor.Trim(), type, fromDay, toDay, organization, before);
        var page = await journal.PageAsync(partner.Scope, query, http.RequestAborted);
        return TypedResults.Ok(new AuditEntryPage(
            [.. page.Rows.Select(AuditEntryItem.Of)],
            page.NextBefore is { } next ? CursorPrefix + next.ToString(CultureInfo.InvariantCulture) : null));
    }

    private static DateOnly? Day(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors[name] = [$"{name} must be a day written yyyy-MM-dd."];
        return null;
    }
}

/// One audit entry: what happened, when, who did it (and the partner user behind a client session),
/// and the state before and after where the event records them.
public sealed record AuditEntryItem(
    long Id,
    DateTimeOffset At,
    AuditEventType Event,
    string EventName,
    string Actor,
    string? Impersonator,
    Guid? PartnerId,
    string? PartnerName,
    Guid? OrganizationId,
    string? OrganizationName,
    string? OrganizationPublicId,
    string? Before,
    string? After)
{
    public static AuditEntryItem Of(AuditRow row) => new(
        row.Id, row.At, row.EventType, row.EventName, row.ActorName, row.ImpersonatorName, row.PartnerId, row.PartnerName,
        row.OrganizationId, row.OrganizationName, row.OrganizationPublicId, row.Before, row.After);
}

public sealed record AuditEntryPage(IReadOnlyList<AuditEntryItem> Items, string? NextCursor);
