using System.Net;
using System.Text.Json;
using Custos.Domain.Audit;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.Api;

/// Every organization endpoint's success and main failure paths, over real HTTP with a key.
public abstract class OrganizationsApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task List_PagesWithLimitAndCursor_AndFiltersBySearchPlanAndStatus()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        // 23 more organizations under a shared marker: two pages of 20 plus one cut page.
        for (var i = 0; i < 23; i++)
        {
            using var created = await client.PostAsync("/api/v1/organizations", NewOrganization(world, $"Paged {world.Unique} {i:00}"));
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await client.GetAsync($"/api/v1/organizations?search=Paged%20{world.Unique}&limit=7" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var page = await response.JsonAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            items.Count.ShouldBeLessThanOrEqualTo(7);
            seen.AddRange(items.Select(i => i.GetProperty("name").GetString()!));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        seen.Count.ShouldBe(23);
        seen.ShouldBe(seen.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList());
        pages.ShouldBe(4);

        using (var big = await client.GetAsync($"/api/v1/organizations?search=Paged%20{world.Unique}&limit=200"))
        {
            var page = await big.JsonAsync(HttpStatusCode.OK);
            page.GetProperty("items").GetArrayLength().ShouldBe(23);
            page.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
            var first = page.GetProperty("items")[0];
            first.GetProperty("status").GetString().ShouldBe("active");
            first.GetProperty("plan").GetProperty("type").GetString().ShouldBe("backup");
            first.GetProperty("plan").GetProperty("monthlyPrice").GetProperty("amount").GetString().ShouldBe("3.50");
            first.GetProperty("plan").GetProperty("monthlyPrice").GetProperty("currency").GetString().ShouldBe("EUR");
            first.GetProperty("statusChangedAt").GetString()!.ShouldEndWith("Z");
        }

        using (var archivers = await client.GetAsync($"/api/v1/organizations?search=Paged%20{world.Unique}&plan=archiver"))
        {
            (await archivers.JsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);
        }

        using (var suspended = await client.GetAsync($"/api/v1/organizations?search=Paged%20{world.Unique}&status=suspended&credential=needAuthentication"))
        {
            (await suspended.JsonAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);
        }
    }

    [Theory]
    [InlineData("status=closed", "status")]
    [InlineData("plan=gold", "plan")]
    [InlineData("credential=some", "credential")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    public async Task List_WithInvalidQuery_Is400WithTheField(string query, string field)
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync("/api/v1/organizations?" + query);

        await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_query", field);
    }

    [Fact]
    public async Task List_WithTooLongSearch_Is422FromTheListsOwnRule()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync("/api/v1/organizations?search=" + new string('a', 201));

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, "search_too_long", "search");
    }

    [Fact]
    public async Task Get_AnswersTheOrganizationWithItsETag()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync($"/api/v1/organizations/{world.Organization}");

        var org = await response.JsonAsync(HttpStatusCode.OK);
        org.GetProperty("id").GetGuid().ShouldBe(world.Organization);
        org.GetProperty("name").GetString().ShouldBe($"Own {world.Unique}");
        org.GetProperty("owner").GetProperty("email").GetString().ShouldBe($"own.{world.Unique}@example.test");
        org.GetProperty("plan").GetProperty("id").GetGuid().ShouldBe(world.Backup.Id);
        org.GetProperty("seats").GetInt32().ShouldBe(5);
        org.GetProperty("createdAt").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$");
        response.Headers.ETag.ShouldNotBeNull();
        org.GetProperty("etag").GetString().ShouldBe(response.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task Get_UnknownOrganization_Is404()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync($"/api/v1/organizations/{Guid.NewGuid()}");

        await response.ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Create_Answers201WithLocationAndAuditsTheKey()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        using var response = await client.PostAsync("/api/v1/organizations", NewOrganization(world, $"Created {world.Unique}", partnerId: world.Sub.Id));

        var org = await response.JsonAsync(HttpStatusCode.Created);
        var id = org.GetProperty("id").GetGuid();
        response.Headers.Location!.OriginalString.ShouldBe($"/api/v1/organizations/{id}");
        org.GetProperty("partnerId").GetGuid().ShouldBe(world.Sub.Id);
        // The country defaults to the chosen partner's, as on the portal's form.
        org.GetProperty("country").GetString().ShouldBe("AT");
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.OrganizationCreated));
        audit.ActorName.ShouldBe("API key Automation");
    }

    [Fact]
    public async Task Create_WithMissingAndInvalidFields_Is422WithEachField()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        using var response = await client.PostAsync("/api/v1/organizations", new { planId = world.Backup.Id, email = "not-an-email", seats = 5 });

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "firstName", "lastName", "email", "organizationName");
    }

    [Fact]
    public async Task Create_WithATakenEmail_Is409OnTheEmailField_AndForeignPartnerIs422()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var body = NewOrganization(world, $"Dup {world.Unique}") with { Email = $"own.{world.Unique}@example.test" };

        using var taken = await client.PostAsync("/api/v1/organizations", body);
        using var foreign = await client.PostAsync("/api/v1/organizations", NewOrganization(world, $"Foreign new {world.Unique}", partnerId: world.Foreign.Id));
        using var noPlan = await client.PostAsync("/api/v1/organizations", NewOrganization(world, $"No plan {world.Unique}") with { PlanId = null });

        await taken.ProblemAsync(HttpStatusCode.Conflict, "email_taken", "email");
        await foreign.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "partner");
        await noPlan.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "planId");
    }

    [Fact]
    public async Task Create_UnderADeactivatedPartner_Is422PartnerDeactivated_AndSavesNothing()
    {
        var world = await ApiWorld.CreateAsync(App);
        await App.InDatabaseAsync(async db =>
        {
            var sub = await db.Partners.SingleAsync(p => p.Id == world.Sub.Id);
            sub.Deactivate();
            return await db.SaveChangesAsync();
        });
        using var client = world.Writer(App);
        var before = await App.InDatabaseAsync(db => db.Organizations.CountAsync(o => o.PartnerId == world.Sub.Id));

        using var refused = await client.PostAsync("/api/v1/organizations", NewOrganization(world, $"Closed {world.Unique}", partnerId: world.Sub.Id));

        var problem = await refused.ProblemAsync(HttpStatusCode.UnprocessableEntity, "partner_deactivated", "partner");
        problem.GetProperty("detail").GetString().ShouldBe("This partner is deactivated: no new organization can be created under it. Choose an active partner, or contact support.");
        (await App.InDatabaseAsync(db => db.Organizations.CountAsync(o => o.PartnerId == world.Sub.Id))).ShouldBe(before);
    }

    [Fact]
    public async Task Update_WithoutIfMatch_Is428_WithStaleETag_Is412_WithCurrentETag_Succeeds()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var path = $"/api/v1/organizations/{world.Organization}/personal-info";
        var info = new { firstName = "Grace", lastName = "Hopper", email = $"grace.{world.Unique}@example.test", country = "US", organizationName = $"Renamed {world.Unique}" };
        string etag;
        using (var get = await client.GetAsync($"/api/v1/organizations/{world.Organization}"))
        {
            etag = get.Headers.ETag!.ToString();
        }

        using (var missing = await client.PutAsync(path, info, ifMatch: null))
        {
            await missing.ProblemAsync(HttpStatusCode.PreconditionRequired, "if_match_required");
        }

        using (var stale = await client.PutAsync(path, info, "\"999\""))
        {
            await stale.ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        }

        using (var weak = await client.PutAsync(path, info, "W/" + etag))
        {
            await weak.ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        }

        using var ok = await client.PutAsync(path, info, etag);
        var org = await ok.JsonAsync(HttpStatusCode.OK);
        org.GetProperty("name").GetString().ShouldBe($"Renamed {world.Unique}");
        org.GetProperty("owner").GetProperty("firstName").GetString().ShouldBe("Grace");
        ok.Headers.ETag!.ToString().ShouldNotBe(etag);

        // The tag it replaced is now stale.
        using var again = await client.PutAsync(path, info with { }, etag);
        await again.ProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task PlanSeatsAndAutoLicense_ChangeThroughTheHandlersRules()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var org = $"/api/v1/organizations/{world.Organization}";

        var plan = await (await client.PutAsync(org + "/plan", new { planId = world.BackupTwo.Id }, "*")).JsonAsync(HttpStatusCode.OK);
        plan.GetProperty("plan").GetProperty("id").GetGuid().ShouldBe(world.BackupTwo.Id);

        using (var downgrade = await client.PutAsync(org + "/plan", new { planId = world.Personal.Id }, "*"))
        {
            await downgrade.ProblemAsync(HttpStatusCode.Conflict, "plan_change_refused");
        }

        using (var unknownPlan = await client.PutAsync(org + "/plan", new { planId = Guid.NewGuid() }, "*"))
        {
            await unknownPlan.ProblemAsync(HttpStatusCode.UnprocessableEntity, "plan_not_offered", "plan");
        }

        var seats = await (await client.PutAsync(org + "/seats", new { seats = 12 }, "*")).JsonAsync(HttpStatusCode.OK);
        seats.GetProperty("seats").GetInt32().ShouldBe(12);

        using (var tooMany = await client.PutAsync(org + "/seats", new { seats = 1_000_000 }, "*"))
        {
            await tooMany.ProblemAsync(HttpStatusCode.UnprocessableEntity, "seats_out_of_range", "seats");
        }

        var auto = await (await client.PutAsync(org + "/auto-license", new { enabled = true }, "*")).JsonAsync(HttpStatusCode.OK);
        auto.GetProperty("autoLicense").GetBoolean().ShouldBeTrue();

        using (var fixedSeats = await client.PutAsync(org + "/seats", new { seats = 4 }, "*"))
        {
            await fixedSeats.ProblemAsync(HttpStatusCode.Conflict, "seats_fixed_by_auto_license");
        }

        var history = await (await client.GetAsync(org + "/subscription-history")).JsonAsync(HttpStatusCode.OK);
        var today = history.GetProperty("items")[0];
        today.GetProperty("autoLicense").GetBoolean().ShouldBeTrue();
        today.GetProperty("plan").GetProperty("id").GetGuid().ShouldBe(world.BackupTwo.Id);
        today.GetProperty("day").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\d$");
    }

    [Fact]
    public async Task Lifecycle_SuspendReactivateUnsubscribeDelete_AndRefusedTransitionsAre409()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var org = $"/api/v1/organizations/{world.Organization}";

        (await (await client.PostAsync(org + "/suspend")).JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("suspended");
        using (var twice = await client.PostAsync(org + "/suspend"))
        {
            await twice.ProblemAsync(HttpStatusCode.Conflict, "transition_not_allowed");
        }

        (await (await client.PostAsync(org + "/reactivate")).JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("active");
        var unsubscribed = await (await client.PostAsync(org + "/unsubscribe")).JsonAsync(HttpStatusCode.OK);
        unsubscribed.GetProperty("status").GetString().ShouldBe("unsubscribed");
        unsubscribed.GetProperty("purgeDueAt").GetString()!.ShouldEndWith("Z");

        using (var stale = await client.SendAsync(HttpMethod.Post, org + "/delete", null, new Dictionary<string, string> { ["If-Match"] = "\"0\"" }))
        {
            await stale.ProblemAsync(HttpStatusCode.PreconditionFailed);
        }

        var deleted = await (await client.PostAsync(org + "/delete")).JsonAsync(HttpStatusCode.OK);
        deleted.GetProperty("outcome").GetString().ShouldBe("deleted");
        using (var gone = await client.GetAsync(org))
        {
            await gone.ProblemAsync(HttpStatusCode.NotFound);
        }

        using var listed = await client.GetAsync($"/api/v1/organizations?status=deleted&search=Own%20{world.Unique}");
        (await listed.JsonAsync(HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("deletedAt").GetString().ShouldNotBeNull();
    }

    [Fact]
    public async Task Features_ReadAndSet_WithGatedFeatureForbiddenAndUnknownFeature404()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var org = $"/api/v1/organizations/{world.Organization}";

        using var read = await client.GetAsync(org + "/features");
        var features = await read.JsonAsync(HttpStatusCode.OK);
        features.GetProperty("downloadLimitGb").GetInt32().ShouldBe(1);
        var worm = features.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "worm");
        worm.GetProperty("salesGated").GetBoolean().ShouldBeTrue();
        worm.GetProperty("canTurnOn").GetBoolean().ShouldBeFalse();

        var etag = read.Headers.ETag!.ToString();
        using var on = await client.PutAsync(org + "/features/insights", new { enabled = true }, etag);
        var after = await on.JsonAsync(HttpStatusCode.OK);
        after.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "insights").GetProperty("enabled").GetBoolean().ShouldBeTrue();

        using (var gated = await client.PutAsync(org + "/features/worm", new { enabled = true }, "*"))
        {
            await gated.ProblemAsync(HttpStatusCode.Forbidden, "feature_not_entitled");
        }

        using (var unknown = await client.PutAsync(org + "/features/teleport", new { enabled = true }, "*"))
        {
            await unknown.ProblemAsync(HttpStatusCode.NotFound);
        }

        var limit = await (await client.PutAsync(org + "/download-limit", new { gb = 4 }, "*")).JsonAsync(HttpStatusCode.OK);
        limit.GetProperty("downloadLimitGb").GetInt32().ShouldBe(4);
        using var outOfRange = await client.PutAsync(org + "/download-limit", new { gb = 11 }, "*");
        await outOfRange.ProblemAsync(HttpStatusCode.UnprocessableEntity, "download_limit_out_of_range", "downloadLimit");
    }

    [Fact]
    public async Task LoginAccounts_ListMasked_AndRegenerateShowsTheTokenOnce()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var org = $"/api/v1/organizations/{world.Organization}";

        var accounts = await (await client.GetAsync(org + "/login-accounts")).JsonAsync(HttpStatusCode.OK);
        var owner = accounts.GetProperty("items")[0];
        owner.GetProperty("isOwner").GetBoolean().ShouldBeTrue();
        var accountId = owner.GetProperty("id").GetGuid();

        using var regenerated = await client.PostAsync($"{org}/login-accounts/{accountId}/api-token");
        var token = await regenerated.JsonAsync(HttpStatusCode.OK);
        var secret = token.GetProperty("token").GetString()!;
        secret.ShouldStartWith("cst_");
        regenerated.Headers.CacheControl!.NoStore.ShouldBeTrue();

        var listed = await (await client.GetAsync(org + "/login-accounts")).JsonAsync(HttpStatusCode.OK);
        var masked = listed.GetProperty("items")[0].GetProperty("apiToken").GetString()!;
        masked.ShouldBe(token.GetProperty("masked").GetString());
        masked.ShouldNotContain(secret[4..^4]);

        using var unknown = await client.PostAsync($"{org}/login-accounts/{Guid.NewGuid()}/api-token");
        await unknown.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PartnersAndPlans_ListTheSubtreeAndItsOfferedPlans()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        var partners = await (await client.GetAsync("/api/v1/partners?limit=1")).JsonAsync(HttpStatusCode.OK);
        partners.GetProperty("items")[0].GetProperty("id").GetGuid().ShouldBe(world.Partner.Id);
        var cursor = partners.GetProperty("nextCursor").GetString()!;
        var next = await (await client.GetAsync($"/api/v1/partners?limit=5&cursor={Uri.EscapeDataString(cursor)}")).JsonAsync(HttpStatusCode.OK);
        next.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()).ShouldBe([world.Sub.Id]);
        next.GetProperty("items")[0].GetProperty("parentId").GetGuid().ShouldBe(world.Partner.Id);

        var plans = await (await client.GetAsync($"/api/v1/plans?partnerId={world.Sub.Id}")).JsonAsync(HttpStatusCode.OK);
        plans.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()).ShouldContain(world.Archiver.Id);
    }

    [Fact]
    public async Task Exports_StartPollAndDownloadTheCsv()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var started = await client.PostAsync("/api/v1/exports", new { status = "active", search = $"Own {world.Unique}" });
        var export = await started.JsonAsync(HttpStatusCode.Accepted);
        var location = started.Headers.Location!.OriginalString;
        location.ShouldBe($"/api/v1/exports/{export.GetProperty("id").GetGuid()}");

        var ready = await Eventually.Async(
            async () => (await (await client.GetAsync(location)).JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString(),
            s => s is "ready" or "failed", "the export to be built");
        ready.ShouldBe("ready");

        using var file = await client.GetAsync(location + "/file");
        file.StatusCode.ShouldBe(HttpStatusCode.OK);
        file.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        (await file.Content.ReadAsStringAsync()).ShouldContain($"Own {world.Unique}");

        using var unknown = await client.GetAsync($"/api/v1/exports/{Guid.NewGuid()}/file");
        await unknown.ProblemAsync(HttpStatusCode.NotFound);
    }

    internal static NewOrganizationBody NewOrganization(ApiWorld world, string name, Guid? partnerId = null) => new(
        "Ada", "Lovelace", $"{name.Replace(' ', '.').ToLowerInvariant()}@example.test", null, name, world.Backup.Id, partnerId, false, 5, false);

    internal sealed record NewOrganizationBody(
        string? FirstName, string? LastName, string? Email, string? Country, string? OrganizationName, Guid? PlanId,
        Guid? PartnerId, bool? AutoLicense, int? Seats, bool? SendSignIn);
}

public sealed class OrganizationsApiTests_Sqlite(SqliteHostFixture fixture) : OrganizationsApiTests<SqliteHostFixture>(fixture);

public sealed class OrganizationsApiTests_Postgres(PostgresHostFixture fixture) : OrganizationsApiTests<PostgresHostFixture>(fixture);
