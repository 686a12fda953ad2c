using System.Buffers.Text;
using System.Text;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Partners;

/// One page of the organizations a group may hold: the acting partner's subtree without Deleted
/// organizations. <see cref="Cursor"/> is a cursor from a previous page; <see cref="Backward"/>
/// asks for the page before it.
public sealed record ListGroupOrganizationsRequest(
    ActingUser Acting, Guid GroupId, string? Search = null, string? Cursor = null, bool Backward = false, bool OnlyInGroup = false);

public sealed record GroupOrganizationChoice(Guid Id, string Name, string PublicId, string PartnerName, bool InGroup);

public sealed record GroupOrganizationPage(GroupOrganizationChoice[] Rows, string? PreviousCursor, string? NextCursor);

/// Pages by (normalized name, ID) so a deep page costs what the first does. A search matches part
/// of the name (case-insensitively) or of the Organization ID; every character is taken literally.
public sealed class ListGroupOrganizations(AppDbContext db)
{
    public const int PageSize = 50;
    public const int MaxSearchLength = 200;
    private const int MaxCursorLength = 4096;

    public async Task<Result<GroupOrganizationPage>> HandleAsync(ListGroupOrganizationsRequest request, CancellationToken ct)
    {
        var result = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (result.Error is not null)
        {
            return result.Error;
        }

        var admin = result.Value!;
        if (!await db.Groups.AnyAsync(g => g.Id == request.GroupId && g.PartnerId == admin.PartnerId, ct))
        {
            return new NotFound("The group");
        }

        var search = request.Search?.Trim() ?? "";
        if (search.Length > MaxSearchLength)
        {
            return new ValidationFailed("q", $"Search is limited to {MaxSearchLength} characters.");
        }

        if (TextKey.HasControlCharacters(search))
        {
            return new ValidationFailed("q", "Search cannot contain control characters.");
        }

        var inGroup = db.GroupOrganizations.Where(m => m.GroupId == request.GroupId);
        var orgs = db.InScope(admin.Scope).Where(o => o.Status != OrganizationStatus.Deleted);
        if (request.OnlyInGroup)
        {
            orgs = orgs.Where(o => inGroup.Any(m => m.OrganizationId == o.Id));
        }

        if (search.Length > 0)
        {
            var name = "%" + Escape(TextKey.Name(search)) + "%";
            var id = "%" + Escape(search.ToUpperInvariant()) + "%";
            orgs = orgs.Where(o => EF.Functions.Like(o.NameNormalized, name, "\\") || EF.Functions.Like(o.PublicId, id, "\\"));
        }

        var cursor = DecodeCursor(request.Cursor);
        var page = await PageAsync(orgs, inGroup, cursor, request.Backward, ct);
        if (page.Rows.Length == 0 && cursor is not null)
        {
            // The rows around the cursor are gone: start over at the first page.
            page = await PageAsync(orgs, inGroup, null, false, ct);
        }

        return page;
    }

    private async Task<GroupOrganizationPage> PageAsync(
        IQueryable<Organization> orgs, IQueryable<Domain.Partners.PartnerGroupOrganization> inGroup,
        (string Name, Guid Id)? cursor, bool backward, CancellationToken ct)
    {
        IQueryable<Organization> ordered;
        if (cursor is not { } at)
        {
            ordered = orgs.OrderBy(o => o.NameNormalized).ThenBy(o => o.Id);
        }
        else if (backward)
        {
            var (name, id) = at;
            ordered = orgs
                .Where(o => string.Compare(o.NameNormalized, name) < 0 || (o.NameNormalized == name && o.Id.CompareTo(id) < 0))
                .OrderByDescending(o => o.NameNormalized).ThenByDescending(o => o.Id);
        }
        else
        {
            var (name, id) = at;
            ordered = orgs
                .Where(o => string.Compare(o.NameNormalized, name) > 0 || (o.NameNormalized == name && o.Id.CompareTo(id) > 0))
                .OrderBy(o => o.NameNormalized).ThenBy(o => o.Id);
        }

        var rows = await ordered
            .Take(PageSize + 1)
            .Select(o => new
            {
                o.Id,
                o.Name,
                o.NameNormalized,
                o.PublicId,
                PartnerName = db.Partners.Where(p => p.Id == o.PartnerId).Select(p => p.Name).First(),
                InGroup = inGroup.Any(m => m.OrganizationId == o.Id),
            })
            .AsNoTracking()
            .ToListAsync(ct);

        var more = rows.Count > PageSize;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (backward && cursor is not null)
        {
            rows.Reverse();
        }

        var hasPrevious = backward ? more : cursor is not null;
        var hasNext = backward ? cursor is not null : more;
        return new GroupOrganizationPage(
            rows.Select(r => new GroupOrganizationChoice(r.Id, r.Name, r.PublicId, r.PartnerName, r.InGroup)).ToArray(),
            hasPrevious && rows.Count > 0 ? EncodeCursor(rows[0].NameNormalized, rows[0].Id) : null,
            hasNext && rows.Count > 0 ? EncodeCursor(rows[^1].NameNormalized, rows[^1].Id) : null);
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    /// URL-safe base64 of the row's ID (32 hex digits) followed by its normalized name.
    public static string EncodeCursor(string nameNormalized, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id.ToString("N") + nameNormalized));

    /// The position a cursor names, or null for anything this class did not write.
    public static (string Name, Guid Id)? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > MaxCursorLength || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(cursor.Length)];
        if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var written))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        return text.Length >= 32 && Guid.TryParseExact(text.AsSpan(0, 32), "N", out var id)
            ? (text[32..], id)
            : null;
    }
}
