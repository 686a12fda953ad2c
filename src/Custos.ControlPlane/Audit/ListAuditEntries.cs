using System.Runtime.CompilerServices;
using Custos.Data;
using Custos.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Audit;

/// Filters of the audit journal. <see cref="Actor"/> matches the actor's or the impersonator's name
/// (partial, case-insensitive, taken literally); <see cref="From"/> and <see cref="To"/> are whole
/// UTC days, both included; <see cref="Before"/> is the keyset: entries older than that Id.
public sealed record AuditQuery(
    string? Actor = null,
    AuditEventType? EventType = null,
    DateOnly? From = null,
    DateOnly? To = null,
    Guid? OrganizationId = null,
    long? Before = null)
{
    public const int MaxActorLength = 100;
}

public sealed record AuditRow(
    long Id,
    DateTimeOffset At,
    AuditEventType EventType,
    string ActorName,
    string? ImpersonatorName,
    Guid? PartnerId,
    string? PartnerName,
    Guid? OrganizationId,
    string? OrganizationName,
    string? OrganizationPublicId,
    string? Before,
    string? After)
{
    public string EventName => AuditEventNames.Display(EventType);

    public string Who => AuditEventNames.Who(ActorName, ImpersonatorName);
}

public sealed record AuditEntriesPage(IReadOnlyList<AuditRow> Rows, long? NextBefore);

/// The audit journal of a partner: the entries recorded for it and every partner below it (an
/// Administrator limited to groups sees only its organizations' entries), newest first, a page at a
/// time by keyset on the entry's Id. An organization's tab is the same journal filtered to it, so
/// after a transfer each side sees only its own part of the organization's history.
public sealed class ListAuditEntries(AppDbContext db)
{
    public const int PageSize = 50;

    public async Task<AuditEntriesPage> PageAsync(Scope scope, AuditQuery query, CancellationToken ct)
    {
        var rows = await Rows(scope, query).Take(PageSize + 1).ToListAsync(ct);
        var more = rows.Count > PageSize;
        if (more)
        {
            rows.RemoveAt(PageSize);
        }

        return new AuditEntriesPage(rows, more ? rows[^1].Id : null);
    }

    /// Every matching entry, newest first, streamed (the CSV download).
    public async IAsyncEnumerable<AuditRow> AllAsync(Scope scope, AuditQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in Rows(scope, query with { Before = null }).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return row;
        }
    }

    private IQueryable<AuditRow> Rows(Scope scope, AuditQuery query)
    {
        var entries = db.AuditEntries.AsNoTracking();
        if (scope.PartnerPath is { } path)
        {
            entries = entries.Where(a => db.Partners.Any(p => p.Id == a.PartnerId && p.Path.StartsWith(path)));
            if (scope.GroupMemberId is not null)
            {
                var visible = db.InScope(scope).Select(o => o.Id);
                entries = entries.Where(a => a.OrganizationId != null && visible.Contains(a.OrganizationId.Value));
            }
        }

        if (query.OrganizationId is { } orgId)
        {
            entries = entries.Where(a => a.OrganizationId == orgId);
        }

        if (query.EventType is { } type)
        {
            entries = entries.Where(a => a.EventType == type);
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim();
            actor = actor.Length > AuditQuery.MaxActorLength ? actor[..AuditQuery.MaxActorLength] : actor;
            var pattern = "%" + Like.Escape(actor.ToLowerInvariant()) + "%";
            entries = entries.Where(a => EF.Functions.Like(a.ActorName.ToLower(), pattern, Like.EscapeCharacter)
                || (a.ImpersonatorName != null && EF.Functions.Like(a.ImpersonatorName.ToLower(), pattern, Like.EscapeCharacter)));
        }

        if (query.From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            entries = entries.Where(a => a.At >= start);
        }

        if (query.To is { } to)
        {
            var end = new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
            entries = entries.Where(a => a.At < end);
        }

        if (query.Before is { } before)
        {
            entries = entries.Where(a => a.Id < before);
        }

        return from a in entries.OrderByDescending(a => a.Id)
               join p in db.Partners on a.PartnerId equals p.Id into ps
               from p in ps.DefaultIfEmpty()
               join o in db.Organizations on a.OrganizationId equals o.Id into os
               from o in os.DefaultIfEmpty()
               orderby a.Id descending
               select new AuditRow(
                   a.Id, a.At, a.EventType, a.ActorName, a.ImpersonatorName,
                   a.PartnerId, p == null ? null : p.Name,
                   a.OrganizationId, o == null ? null : o.Name, o == null ? null : o.PublicId,
                   a.Before, a.After);
    }
}

/// LIKE patterns that take the user's text literally (%, _ and the escape character itself).
internal static class Like
{
    public const string EscapeCharacter = "\\";

    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
