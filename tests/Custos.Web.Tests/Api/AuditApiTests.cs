using System.Net;
using System.Text.Json;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.Api;

/// The audit journal over the API: the key's subtree only, the portal's filters, cursor pages.
public abstract class AuditApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task List_ShowsTheSubtreesEntriesWithTheKeyAsActor_AndNeverAnotherPartners()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        (await client.PostAsync($"/api/v1/organizations/{world.Organization}/suspend")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var page = await (await client.GetAsync("/api/v1/audit-entries")).JsonAsync(HttpStatusCode.OK);
        var items = page.GetProperty("items").EnumerateArray().ToList();

        var suspended = items.First(i => i.GetProperty("event").GetString() == "organizationSuspended");
        suspended.GetProperty("organizationId").GetGuid().ShouldBe(world.Organization);
        suspended.GetProperty("actor").GetString().ShouldBe("API key Automation");
        suspended.GetProperty("eventName").GetString().ShouldBe("Organization suspended");
        suspended.GetProperty("at").GetString()!.ShouldEndWith("Z");
        items.ShouldContain(i => i.GetProperty("organizationId").ValueKind != JsonValueKind.Null && i.GetProperty("organizationId").GetGuid() == world.SubOrganization);
        items.ShouldNotContain(i => i.GetProperty("organizationId").ValueKind != JsonValueKind.Null && i.GetProperty("organizationId").GetGuid() == world.ForeignOrganization);

        // Newest first.
        var ids = items.Select(i => i.GetProperty("id").GetInt64()).ToList();
        ids.ShouldBe(ids.OrderDescending().ToList());
    }

    [Fact]
    public async Task List_FiltersByEventOrganizationActorAndDays()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        (await client.PostAsync($"/api/v1/organizations/{world.Organization}/suspend")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsync($"/api/v1/organizations/{world.SubOrganization}/suspend")).StatusCode.ShouldBe(HttpStatusCode.OK);

        async Task<List<JsonElement>> ItemsAsync(string query) =>
            (await (await client.GetAsync("/api/v1/audit-entries?" + query)).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

        var suspensions = await ItemsAsync("event=OrganizationSuspended");
        suspensions.Count.ShouldBe(2);
        suspensions.ShouldAllBe(i => i.GetProperty("event").GetString() == "organizationSuspended");

        var one = await ItemsAsync($"organizationId={world.SubOrganization}&event=organizationSuspended");
        one.Single().GetProperty("organizationId").GetGuid().ShouldBe(world.SubOrganization);

        (await ItemsAsync("actor=automation&event=organizationSuspended")).Count.ShouldBe(2);
        (await ItemsAsync("actor=%25_nobody&event=organizationSuspended")).ShouldBeEmpty();

        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (await ItemsAsync($"from={today}&to={today}&event=organizationSuspended")).Count.ShouldBe(2);
        (await ItemsAsync("from=2001-01-01&to=2001-01-02")).ShouldBeEmpty();

        // Another partner's organization has no entries here.
        (await ItemsAsync($"organizationId={world.ForeignOrganization}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task List_PagesWithTheCursor_WithoutRepeatsOrGaps()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        for (var i = 0; i < 55; i++)
        {
            using var changed = await client.PostAsync($"/api/v1/organizations/{world.Organization}/{(i % 2 == 0 ? "suspend" : "reactivate")}");
            changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var seen = new List<long>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync($"/api/v1/audit-entries?organizationId={world.Organization}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)))).JsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        var recorded = await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Organization));
        recorded.ShouldBeGreaterThan(55);
        pages.ShouldBe(2);
        seen.Count.ShouldBe(recorded);
        seen.Distinct().Count().ShouldBe(seen.Count);
        seen.ShouldBe(seen.OrderDescending().ToList());
    }

    [Theory]
    [InlineData("event=noSuchEvent", "event")]
    [InlineData("from=2026-13-01", "from")]
    [InlineData("to=yesterday", "to")]
    [InlineData("from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("organizationId=42", "organizationId")]
    [InlineData("cursor=garbage", "cursor")]
    [InlineData("cursor=a1.-5", "cursor")]
    public async Task List_WithBadQuery_Is400WithTheField(string query, string field)
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync("/api/v1/audit-entries?" + query);

        await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_query", field);
    }

    [Fact]
    public async Task List_WithATooLongActor_Is400()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync("/api/v1/audit-entries?actor=" + new string('a', 101));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_query", "actor");
    }
}

public sealed class AuditApiTests_Sqlite(SqliteHostFixture fixture) : AuditApiTests<SqliteHostFixture>(fixture);

public sealed class AuditApiTests_Postgres(PostgresHostFixture fixture) : AuditApiTests<PostgresHostFixture>(fixture);
