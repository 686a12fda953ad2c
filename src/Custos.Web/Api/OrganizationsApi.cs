using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Api;

/// Organizations: the list (the portal's tabs, search and filters, cursor pages), one organization,
/// creating one, and the updates of its General and Subscriptions tabs. Every call goes through the
/// portal's own handlers inside the key's scope: another partner's organization is 404.
public static class OrganizationsApi
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 200;

    public static void MapOrganizations(this RouteGroupBuilder api)
    {
        var orgs = api.MapGroup("/organizations").WithTags("Organizations");

        orgs.MapGet("/", ListAsync).WithName("listOrganizations")
            .WithSummary("List organizations")
            .WithDescription("One status tab at a time (default active), with the portal's search and plan and credential filters. Cursor pages: pass nextCursor back as cursor.")
            .Produces<OrganizationPage>().Problems(400, 422);

        orgs.MapGet("/counts", CountsAsync).WithName("countOrganizations")
            .WithSummary("Count organizations per status tab")
            .WithDescription("The portal's tab counts for the same search and plan and credential filters as the list (which does not count). With a search each count stops at countCap: a count above it means more than countCap.")
            .Produces<OrganizationCounts>().Problems(400, 422);

        orgs.MapGet("/{id:guid}", GetAsync).WithName("getOrganization")
            .WithSummary("Get an organization").WithDescription("Deleted organizations are not found, as in the portal.")
            .Produces<OrganizationResource>().Problems(404);

        orgs.MapPost("/", CreateAsync).WithName("createOrganization")
            .WithSummary("Create an organization")
            .WithDescription("For the key's partner or a partner below it (partnerId), on a plan offered to that partner. Email and name must be free. Honours Idempotency-Key.")
            .Accepts<NewOrganizationBody>("application/json")
            .Produces<OrganizationResource>(StatusCodes.Status201Created).Problems(400, 409, 413, 415, 422).Idempotent().Writes();

        orgs.MapPut("/{id:guid}/personal-info", UpdatePersonalInfoAsync).WithName("updatePersonalInfo")
            .WithSummary("Update the owner's details and the organization's name")
            .WithDescription("A new email changes how the owner signs in. Needs If-Match.")
            .Accepts<PersonalInfoBody>("application/json")
            .Produces<OrganizationResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();

        orgs.MapPut("/{id:guid}/plan", ChangePlanAsync).WithName("changePlan")
            .WithSummary("Change the plan").WithDescription("Same type, or Backup to Archiver. Needs If-Match.")
            .Accepts<PlanBody>("application/json")
            .Produces<OrganizationResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();

        orgs.MapPut("/{id:guid}/seats", ChangeSeatsAsync).WithName("changeSeats")
            .WithSummary("Set the number of seats").WithDescription("Only while auto license is off; never below the seats in use. Needs If-Match.")
            .Accepts<SeatsBody>("application/json")
            .Produces<OrganizationResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();

        orgs.MapPut("/{id:guid}/auto-license", SetAutoLicenseAsync).WithName("setAutoLicense")
            .WithSummary("Turn auto license on or off").WithDescription("Turning it off needs the seats to fall back to. Needs If-Match.")
            .Accepts<AutoLicenseBody>("application/json")
            .Produces<OrganizationResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();

        orgs.MapGet("/{id:guid}/subscription-history", HistoryAsync).WithName("getSubscriptionHistory")
            .WithSummary("Subscription history").WithDescription("One entry per day with a change, newest first.")
            .Produces<HistoryList>().Problems(404);
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, PartnerContext partner, ListOrganizations lister,
        string? status, string? search, string? plan, string? credential, string? limit, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        var tab = ParseEnum<OrganizationStatus>(status, OrganizationStatus.Active, "status", errors);
        PlanType? type = plan is null ? null : ParseEnum<PlanType>(plan, PlanType.Backup, "plan", errors);
        var filter = ParseEnum<CredentialFilter>(credential, CredentialFilter.All, "credential", errors);
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."];
        }

        string? inner = null;
        if (cursor is not null && (inner = UnwrapCursor(cursor)) is null)
        {
            errors["cursor"] = ["cursor is not one this API gave out; start without it."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_query", "Some query parameters are not valid.", errors);
        }

        // The portal's list answers pages of a fixed size; a larger limit reads several, a smaller
        // one cuts a page and points the next cursor at its last row.
        var items = new List<OrganizationListItem>(take);
        var request = new ListOrganizationsRequest(partner.Scope, tab, search, type, filter, inner, WithCounts: false);
        while (true)
        {
            var page = await lister.HandleAsync(request, http.RequestAborted);
            if (page.Error is not null)
            {
                return ApiProblems.From(page.Error);
            }

            var rows = page.Value!.Rows;
            foreach (var row in rows)
            {
                items.Add(OrganizationListItem.Of(row));
                if (items.Count == take)
                {
                    var last = row == rows[^1];
                    var next = last ? page.Value.NextCursor : ListOrganizations.EncodeCursor(TextKey.Name(row.Name), row.Id);
                    return TypedResults.Ok(new OrganizationPage(items, next is null ? null : WrapCursor(next)));
                }
            }

            if (page.Value.NextCursor is null)
            {
                return TypedResults.Ok(new OrganizationPage(items, null));
            }

            request = request with { Cursor = page.Value.NextCursor };
        }
    }

    private static async Task<IResult> CountsAsync(
        HttpContext http, PartnerContext partner, ListOrganizations lister, string? search, string? plan, string? credential)
    {
        var errors = new Dictionary<string, string[]>();
        PlanType? type = plan is null ? null : ParseEnum<PlanType>(plan, PlanType.Backup, "plan", errors);
        var filter = ParseEnum<CredentialFilter>(credential, CredentialFilter.All, "credential", errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "invalid_query", "Some query parameters are not valid.", errors);
        }

        var list = await lister.HandleAsync(new ListOrganizationsRequest(partner.Scope, Search: search, PlanType: type, Credential: filter), http.RequestAborted);
        if (list.Error is not null)
        {
            return ApiProblems.From(list.Error);
        }

        var counts = list.Value!.Counts;
        return TypedResults.Ok(new OrganizationCounts(counts.Active, counts.Suspended, counts.Unsubscribed, counts.Deleted, list.Value.CountCap));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, PartnerContext partner, AppDbContext db)
    {
        var org = await LoadAsync(db, partner.Scope, id, http.RequestAborted);
        if (org is null)
        {
            return ApiProblems.From(new NotFound("The organization"));
        }

        ETags.Set(http, org.Version);
        return TypedResults.Ok(org.Resource);
    }

    private static async Task<IResult> CreateAsync(
        ApiBody<NewOrganizationBody> body, HttpContext http, PartnerContext partner, AppDbContext db, CreateOrganization creator)
    {
        var input = body.Value;
        var partnerId = input.PartnerId ?? partner.PartnerId;
        var owner = await db.Partners.AsNoTracking().Where(p => p.Id == partnerId)
            .Select(p => new { p.Country, p.SendSignInByDefault }).SingleOrDefaultAsync(http.RequestAborted);
        if (input.PlanId is not { } planId)
        {
            return ApiProblems.Validation("planId", "Plan is required.");
        }

        // What the portal's form would hold before the partner touches it: the partner's country and
        // its "Send sign in" default.
        var info = new PersonalInfo(input.FirstName, input.LastName, input.Email, input.Country ?? owner?.Country, input.OrganizationName);
        var created = await creator.HandleAsync(
            new CreateOrganizationRequest(
                partner.Scope, partner.Actor, partnerId, planId, new NewOrganization(info, input.AutoLicense ?? false, input.Seats),
                input.SendSignIn ?? owner?.SendSignInByDefault ?? false),
            http.RequestAborted);
        if (created.Error is not null)
        {
            return ApiProblems.From(created.Error);
        }

        var org = (await LoadAsync(db, partner.Scope, created.Value!.Id, http.RequestAborted))!;
        ETags.Set(http, org.Version);
        return TypedResults.Created($"/api/v1/organizations/{org.Resource.Id}", org.Resource);
    }

    private static Task<IResult> UpdatePersonalInfoAsync(Guid id, ApiBody<PersonalInfoBody> body, HttpContext http, PartnerContext partner, UpdatePersonalInfo handler) =>
        Update(id, http, partner, (command, ct) =>
        {
            var b = body.Value;
            return handler.HandleAsync(command, new PersonalInfo(b.FirstName, b.LastName, b.Email, b.Country, b.OrganizationName), ct);
        });

    private static Task<IResult> ChangePlanAsync(Guid id, ApiBody<PlanBody> body, HttpContext http, PartnerContext partner, ChangePlan handler) =>
        body.Value.PlanId is { } planId
            ? Update(id, http, partner, (command, ct) => handler.HandleAsync(command, planId, ct))
            : Task.FromResult<IResult>(ApiProblems.Validation("planId", "Plan is required."));

    private static Task<IResult> ChangeSeatsAsync(Guid id, ApiBody<SeatsBody> body, HttpContext http, PartnerContext partner, ChangeSeats handler) =>
        body.Value.Seats is { } seats
            ? Update(id, http, partner, (command, ct) => handler.HandleAsync(command, seats, ct))
            : Task.FromResult<IResult>(ApiProblems.Validation("seats", "Seats are required."));

    private static Task<IResult> SetAutoLicenseAsync(Guid id, ApiBody<AutoLicenseBody> body, HttpContext http, PartnerContext partner, SetAutoLicense handler) =>
        body.Value.Enabled is { } enabled
            ? Update(id, http, partner, (command, ct) => handler.HandleAsync(command, enabled, body.Value.Seats, ct))
            : Task.FromResult<IResult>(ApiProblems.Validation("enabled", "Say whether auto license is on (true) or off (false)."));

    private static async Task<IResult> HistoryAsync(Guid id, HttpContext http, PartnerContext partner, AppDbContext db)
    {
        var visible = await db.InScope(partner.Scope).AnyAsync(o => o.Id == id && o.Status != OrganizationStatus.Deleted, http.RequestAborted);
        if (!visible)
        {
            return ApiProblems.From(new NotFound("The organization"));
        }

        var rows = await db.SubscriptionHistory.AsNoTracking().Where(h => h.OrganizationId == id)
            .Join(db.Plans, h => h.PlanId, p => p.Id, (h, p) => new { h.Day, h.PlanId, p.Name, p.Type, p.MonthlyPrice, p.Currency, h.Seats, h.AutoLicense, h.Status, h.RecordedAt })
            .ToListAsync(http.RequestAborted);
        return TypedResults.Ok(new HistoryList(rows.OrderByDescending(r => r.Day)
            .Select(r => new HistoryItem(r.Day, new PlanSummary(r.PlanId, r.Name, r.Type, Money.Of(r.MonthlyPrice, r.Currency)), r.Seats, r.AutoLicense, r.Status, r.RecordedAt))
            .ToList()));
    }

    /// An update: If-Match is required (428 without it), a stale tag is 412; the answer is the
    /// organization as it now is, with its new ETag.
    internal static async Task<IResult> Update(
        Guid id, HttpContext http, PartnerContext partner, Func<OrganizationCommand, CancellationToken, Task<Result>> change, bool requireIfMatch = true)
    {
        var ifMatch = ETags.Read(http);
        if (requireIfMatch && !ifMatch.Given)
        {
            return ApiProblems.Problem(StatusCodes.Status428PreconditionRequired, "if_match_required",
                "Send the organization's ETag as If-Match, so a change made meanwhile is not overwritten.",
                new Dictionary<string, string[]> { ["If-Match"] = ["If-Match is required."] });
        }

        var command = new OrganizationCommand(partner.Scope, partner.Actor, id, ifMatch.Never ? -1 : ifMatch.Version);
        var result = await change(command, http.RequestAborted);
        if (result.Error is not null)
        {
            return ApiProblems.From(result.Error, ifMatch.Given);
        }

        return await CurrentAsync(id, http, partner);
    }

    /// The organization after a change (200), or 404 when the change made it invisible (deleted).
    internal static async Task<IResult> CurrentAsync(Guid id, HttpContext http, PartnerContext partner)
    {
        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        db.ChangeTracker.Clear();
        var org = await LoadAsync(db, partner.Scope, id, http.RequestAborted);
        if (org is null)
        {
            return ApiProblems.From(new NotFound("The organization"));
        }

        ETags.Set(http, org.Version);
        return TypedResults.Ok(org.Resource);
    }

    internal sealed record Loaded(OrganizationResource Resource, int Version);

    internal static async Task<Loaded?> LoadAsync(AppDbContext db, Scope scope, Guid id, CancellationToken ct)
    {
        var row = await db.InScope(scope).AsNoTracking()
            .Where(o => o.Id == id && o.Status != OrganizationStatus.Deleted)
            .Join(db.Plans, o => o.PlanId, p => p.Id, (o, p) => new { Org = o, Plan = p })
            .SingleOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }

        var o = row.Org;
        var p = row.Plan;
        return new Loaded(new OrganizationResource(
            o.Id, o.PublicId, o.Name, o.Status, o.PartnerId, o.Country,
            new Owner(o.OwnerFirstName, o.OwnerLastName, o.OwnerEmail),
            new PlanSummary(p.Id, p.Name, p.Type, Money.Of(p.MonthlyPrice, p.Currency)),
            o.Seats, o.AutoLicense, o.SeatsInUse, o.StorageUsedBytes, o.StorageLogicalBytes, o.CredentialError, o.JournalAddress,
            o.CreatedAt, o.StatusChangedAt, o.PurgeDueAt, ETags.Of(o.Version)), o.Version);
    }

    /// Enum query values by their JSON names (camelCase), case-insensitively; numbers are refused.
    internal static T ParseEnum<T>(string? value, T fallback, string name, Dictionary<string, string[]> errors)
        where T : struct, Enum
    {
        if (value is null)
        {
            return fallback;
        }

        var match = Enum.GetNames<T>().FirstOrDefault(n => n.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            errors[name] = [$"{name} must be one of: {string.Join(", ", Enum.GetNames<T>().Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName))}."];
            return fallback;
        }

        return Enum.Parse<T>(match);
    }

    // The API's cursor wraps the list's own: "o1." and the list cursor, so the API can change
    // what is inside without clients noticing.
    private const string CursorPrefix = "o1.";

    private static string WrapCursor(string inner) => CursorPrefix + inner;

    private static string? UnwrapCursor(string cursor) =>
        cursor.StartsWith(CursorPrefix, StringComparison.Ordinal) && ListOrganizations.DecodeCursor(cursor[CursorPrefix.Length..]) is not null
            ? cursor[CursorPrefix.Length..]
            : null;
}
