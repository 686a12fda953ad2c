using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

public enum CredentialFilter
{
    All = 0,

    /// Only organizations with a credential in error (<see cref="Organization.CredentialError"/>).
    NeedAuthentication = 1,
}

public enum PageDirection
{
    /// The page after <see cref="ListOrganizationsRequest.Cursor"/> (or the first page without one).
    Next = 0,

    /// The page before <see cref="ListOrganizationsRequest.Cursor"/>.
    Previous = 1,
}

/// One page of the Organizations page. <see cref="PlanType"/> null means every plan type;
/// <see cref="Cursor"/> is a value from a previous answer's <see cref="OrganizationList"/> cursors.
/// <see cref="WithCounts"/> false skips the tab counts (the REST API's list does not show them):
/// the answer's <see cref="OrganizationList.Counts"/> are then all zero.
public sealed record ListOrganizationsRequest(
    Scope Scope,
    OrganizationStatus Status = OrganizationStatus.Active,
    string? Search = null,
    PlanType? PlanType = null,
    CredentialFilter Credential = CredentialFilter.All,
    string? Cursor = null,
    PageDirection Direction = PageDirection.Next,
    bool WithCounts = true);

public sealed record OrganizationRow(
    Guid Id,
    string PublicId,
    string Name,
    PlanType PlanType,
    string PlanName,
    decimal MonthlyPrice,
    string Currency,
    string OwnerEmail,
    int? Seats,
    bool AutoLicense,
    int SeatsInUse,
    long StorageUsedBytes,
    long StorageLogicalBytes,
    OrganizationStatus Status,
    DateTimeOffset? PurgeDueAt,
    DateTimeOffset? DeletedAt,
    DateTimeOffset StatusChangedAt,
    bool CredentialError);

/// How many organizations each status tab holds, under the same scope, search and filters.
public sealed record StatusCounts(int Active, int Suspended, int Unsubscribed, int Deleted)
{
    public int Of(OrganizationStatus status) => status switch
    {
        OrganizationStatus.Active => Active,
        OrganizationStatus.Suspended => Suspended,
        OrganizationStatus.Unsubscribed => Unsubscribed,
        OrganizationStatus.Deleted => Deleted,
        _ => 0,
    };
}

/// A page of rows in name order, the tab counts, and the cursors of the neighbouring pages
/// (null when there is no such page). With a search the counts are capped at <see cref="CountCap"/>:
/// a count above it means "more than that" (null: every count is exact).
public sealed record OrganizationList(
    IReadOnlyList<OrganizationRow> Rows, StatusCounts Counts, string? PreviousCursor, string? NextCursor, int? CountCap = null)
{
    /// A tab's count as the page shows it: "100+" above the cap.
    public string CountText(OrganizationStatus status) =>
        CountCap is { } cap && Counts.Of(status) > cap
            ? cap.ToString("N0", CultureInfo.InvariantCulture) + "+"
            : Counts.Of(status).ToString("N0", CultureInfo.InvariantCulture);
}

public sealed record SearchTooLong(int Max)
    : Error("search_too_long", $"Search is limited to {Max} characters.")
{
    public override string? Field => "search";
}

public sealed record SearchNotPlainText()
    : Error("search_not_plain_text", "Search cannot contain control characters, line breaks or unreadable characters.")
{
    public override string? Field => "search";
}

/// The Organizations page's query: one round trip for the page (plus one probe row that tells
/// whether a page exists on the other side of the cursor) and one for the tab counts.
/// Pages are keyset pages over (NameNormalized, Id): both engines compare those bytewise (the
/// column has the "C" collation on PostgreSQL), so the order, and therefore every cursor, is the
/// same on SQLite and PostgreSQL, and a deep page costs what the first one does.
public sealed partial class ListOrganizations(AppDbContext db, ScopeSizes? scopeSizes = null)
{
    public const int PageSize = 20;
    public const int MaxSearchLength = 200;

    /// With a search, each tab counts its matches up to this many and then says "more": an exact
    /// count of a common term would read the whole scope on every keystroke.
    public int SearchCountCap { get; init; } = DefaultSearchCountCap;

    public const int DefaultSearchCountCap = 100;

    /// A search term with at most this many (estimated) matches in the scope counts as rare
    /// (PostgreSQL form; both forms give the same answers, tests force each).
    public int RareSearchMatches { get; init; } = 5000;

    /// A scope of at most this many organizations is searched by walking it (PostgreSQL form).
    public int WalkScopeLimit { get; init; } = 20_000;

    /// A cursor holds a normalized name (at most twice the name limit) and an ID; anything longer is not ours.
    private const int MaxCursorLength = 4096;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task<Result<OrganizationList>> HandleAsync(ListOrganizationsRequest request, CancellationToken ct)
    {
        var search = request.Search?.Trim() ?? "";
        if (search.Length > MaxSearchLength)
        {
            return new SearchTooLong(MaxSearchLength);
        }

        if (TextKey.HasControlCharacters(search) || search.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return new SearchNotPlainText();
        }

        var searchKey = TextKey.Name(search);
        var cursor = DecodeCursor(request.Cursor);
        if (db is PostgresAppDbContext && request.Scope.GroupMemberId is null)
        {
            return await ListOnPostgresAsync(request, searchKey, cursor, ct);
        }

        var filtered = Filter(db.InScope(request.Scope).AsNoTracking(), searchKey, request.PlanType, request.Credential);
        var inTab = filtered.Where(o => o.Status == request.Status);

        var page = await PageAsync(inTab, cursor, request.Direction, ct);
        if (page.Rows.Count == 0 && cursor is not null && request.Direction == PageDirection.Previous)
        {
            // Nothing lies before the cursor (the rows there are gone): the first page is the one before.
            page = await PageAsync(inTab, null, PageDirection.Next, ct);
        }

        if (!request.WithCounts)
        {
            return new OrganizationList(page.Rows, new StatusCounts(0, 0, 0, 0), page.Previous, page.Next, searchKey.Length > 0 ? SearchCountCap : null);
        }

        var counts = await filtered
            .GroupBy(o => o.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var capped = searchKey.Length > 0;
        int CountOf(OrganizationStatus s)
        {
            var count = counts.Where(c => c.Status == s).Sum(c => c.Count);
            return capped ? Math.Min(count, SearchCountCap + 1) : count;
        }

        return new OrganizationList(
            page.Rows,
            new StatusCounts(
                CountOf(OrganizationStatus.Active),
                CountOf(OrganizationStatus.Suspended),
                CountOf(OrganizationStatus.Unsubscribed),
                CountOf(OrganizationStatus.Deleted)),
            page.Previous,
            page.Next,
            capped ? SearchCountCap : null);
    }

    /// Escapes the LIKE wildcards so every character of a search is taken literally.
    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    /// The cursor of a row: URL-safe base64 of its ID and normalized name.
    public static string EncodeCursor(string nameNormalized, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id.ToString("N") + ":" + nameNormalized));

    /// The position a cursor names, or null for anything that is not a cursor this class wrote.
    public static (string Name, Guid Id)? DecodeCursor(string? cursor)
    {
        // TryDecodeFromChars throws on characters outside the alphabet; IsValid checks them first.
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
            text = StrictUtf8.GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (text.Length < 33 || text[32] != ':' || !Guid.TryParseExact(text.AsSpan(0, 32), "N", out var id))
        {
            return null;
        }

        var name = text[33..];
        if (name.Length > OrganizationLimits.MaxOrganizationNameLength * 2 || TextKey.HasControlCharacters(name))
        {
            return null;
        }

        return (name, id);
    }

    /// The page's search and filters over any set of organizations (the CSV export applies the same):
    /// the normalized name or the Organization ID contains <paramref name="search"/> (already a
    /// normalized key), taken literally.
    public static IQueryable<Organization> Filter(IQueryable<Organization> orgs, string search, PlanType? planType, CredentialFilter credential)
    {
        if (search.Length > 0)
        {
            var namePattern = "%" + EscapeLike(search) + "%";
            var idPattern = "%" + EscapeLike(search.ToUpperInvariant()) + "%";
            orgs = orgs.Where(o => EF.Functions.Like(o.NameNormalized, namePattern, "\\")
                || EF.Functions.Like(o.PublicId, idPattern, "\\"));
        }

        if (planType is { } type)
        {
            orgs = orgs.Where(o => o.PlanType == type);
        }

        if (credential == CredentialFilter.NeedAuthentication)
        {
            orgs = orgs.Where(o => o.CredentialError);
        }

        return orgs;
    }

    private async Task<Page> PageAsync(
        IQueryable<Organization> inTab, (string Name, Guid Id)? cursor, PageDirection direction, CancellationToken ct)
    {
        List<RowData> data;
        if (cursor is not { } at)
        {
            data = await Rows(inTab, ascending: true, PageSize + 1, probe: false)
                .OrderBy(r => r.NameNormalized).ThenBy(r => r.Id)
                .ToListAsync(ct);
            return Cut(data, hasBefore: false, direction: PageDirection.Next, null);
        }

        var (name, id) = at;
        var forward = direction == PageDirection.Next;

        // EF cannot compare tuples, so (n, id) > (name, id0) is spelled out. The probe looks one
        // row the other way: whether a page exists behind the cursor.
        var after = inTab.Where(o => string.Compare(o.NameNormalized, name) > 0
            || (o.NameNormalized == name && o.Id.CompareTo(id) > 0));
        var atOrAfter = inTab.Where(o => string.Compare(o.NameNormalized, name) > 0
            || (o.NameNormalized == name && o.Id.CompareTo(id) >= 0));
        var before = inTab.Where(o => string.Compare(o.NameNormalized, name) < 0
            || (o.NameNormalized == name && o.Id.CompareTo(id) < 0));
        var atOrBefore = inTab.Where(o => string.Compare(o.NameNormalized, name) < 0
            || (o.NameNormalized == name && o.Id.CompareTo(id) <= 0));

        var query = forward
            ? Rows(after, ascending: true, PageSize + 1, probe: false).Concat(Rows(atOrBefore, ascending: false, 1, probe: true))
            : Rows(before, ascending: false, PageSize + 1, probe: false).Concat(Rows(atOrAfter, ascending: true, 1, probe: true));
        data = await query.OrderBy(r => r.NameNormalized).ThenBy(r => r.Id).ToListAsync(ct);
        return Cut(data, hasBefore: data.Any(r => r.Probe), direction, at);
    }

    /// Up to <paramref name="take"/> rows next to the cursor side of <paramref name="orgs"/>, with their plan.
    private IQueryable<RowData> Rows(IQueryable<Organization> orgs, bool ascending, int take, bool probe)
    {
        var ordered = ascending
            ? orgs.OrderBy(o => o.NameNormalized).ThenBy(o => o.Id)
            : orgs.OrderByDescending(o => o.NameNormalized).ThenByDescending(o => o.Id);
        return ordered.Take(take).Join(db.Plans, o => o.PlanId, p => p.Id, (o, p) => new RowData
        {
            Id = o.Id,
            NameNormalized = o.NameNormalized,
            Probe = probe,
            PublicId = o.PublicId,
            Name = o.Name,
            PlanType = o.PlanType,
            PlanName = p.Name,
            MonthlyPrice = p.MonthlyPrice,
            Currency = p.Currency,
            OwnerEmail = o.OwnerEmail,
            Seats = o.Seats,
            AutoLicense = o.AutoLicense,
            SeatsInUse = o.SeatsInUse,
            StorageUsedBytes = o.StorageUsedBytes,
            StorageLogicalBytes = o.StorageLogicalBytes,
            Status = o.Status,
            PurgeDueAt = o.PurgeDueAt,
            DeletedAt = o.DeletedAt,
            StatusChangedAt = o.StatusChangedAt,
            CredentialError = o.CredentialError,
        });
    }

    /// Turns the fetched rows (in ascending order, page rows plus at most one extra page row on
    /// the far side and one probe row behind the cursor) into the page and its cursors.
    /// <paramref name="hasBefore"/> says whether a page exists behind the cursor: before it when
    /// going forward, after it when going back.
    /// A keyset cursor does not need its row to exist: when nothing is left after
    /// <paramref name="cursor"/> (the rows there were deleted or changed tab meanwhile), the page is
    /// empty, with no next page and the cursor itself as the way back, rather than page 1 again
    /// (which would repeat rows to a client that follows next cursors to the end).
    private static Page Cut(List<RowData> data, bool hasBefore, PageDirection direction, (string Name, Guid Id)? cursor)
    {
        var rows = data.Where(r => !r.Probe).ToList();
        var more = rows.Count > PageSize;
        if (more)
        {
            rows = direction == PageDirection.Next ? rows[..PageSize] : rows[1..];
        }

        var hasPrevious = direction == PageDirection.Next ? hasBefore : more;
        var hasNext = direction == PageDirection.Next ? more : hasBefore;
        if (rows.Count == 0 && direction == PageDirection.Next && hasBefore && cursor is { } at)
        {
            return new Page([], EncodeCursor(at.Name, at.Id), null);
        }

        return new Page(
            rows.Select(r => r.ToRow()).ToList(),
            hasPrevious && rows.Count > 0 ? EncodeCursor(rows[0].NameNormalized, rows[0].Id) : null,
            hasNext && rows.Count > 0 ? EncodeCursor(rows[^1].NameNormalized, rows[^1].Id) : null);
    }

    private sealed record Page(IReadOnlyList<OrganizationRow> Rows, string? Previous, string? Next);

    /// A flat projection: set operations (UNION ALL) need one.
    private sealed class RowData
    {
        public Guid Id { get; init; }

        public string NameNormalized { get; init; } = "";

        public bool Probe { get; init; }

        public string PublicId { get; init; } = "";

        public string Name { get; init; } = "";

        public PlanType PlanType { get; init; }

        public string PlanName { get; init; } = "";

        public decimal MonthlyPrice { get; init; }

        public string Currency { get; init; } = "";

        public string OwnerEmail { get; init; } = "";

        public int? Seats { get; init; }

        public bool AutoLicense { get; init; }

        public int SeatsInUse { get; init; }

        public long StorageUsedBytes { get; init; }

        public long StorageLogicalBytes { get; init; }

        public OrganizationStatus Status { get; init; }

        public DateTimeOffset? PurgeDueAt { get; init; }

        public DateTimeOffset? DeletedAt { get; init; }

        public DateTimeOffset StatusChangedAt { get; init; }

        public bool CredentialError { get; init; }

        public OrganizationRow ToRow() => new(
            Id, PublicId, Name, PlanType, PlanName, MonthlyPrice, Currency, OwnerEmail, Seats, AutoLicense,
            SeatsInUse, StorageUsedBytes, StorageLogicalBytes, Status, PurgeDueAt, DeletedAt, StatusChangedAt, CredentialError);
    }
}
