using System.Net;
using Custos.Domain.Audit;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.Api;

/// Bad input is a precise 4xx problem, never a 500; Idempotency-Key replays; unknown routes answer problems.
public abstract class HttpConventionsTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "{\"seats\": 5", "malformed_body", "body" },
        { "not json at all", "malformed_body", "body" },
        { "{\"seats\": \"five\"}", "malformed_body", "seats" },
        { "{\"seats\": 5.5}", "malformed_body", "seats" },
        { "{\"seats\": 5, \"colour\": \"red\"}", "malformed_body", "colour" },
        { "[1, 2]", "malformed_body", "body" },
        { "null", "body_required", "body" },
        { "", "malformed_body", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Put_WithABadBody_Is400ProblemNamingTheField(string body, string code, string field)
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        using var response = await client.SendAsync(HttpMethod.Put, $"/api/v1/organizations/{world.Organization}/seats", body,
            new Dictionary<string, string> { ["If-Match"] = "*" });

        await response.ProblemAsync(HttpStatusCode.BadRequest, code, field);
    }

    [Fact]
    public async Task Post_WithAHugeBody_Is413_AndWithAnotherMediaType_Is415()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var huge = "{\"firstName\": \"" + new string('a', 70 * 1024) + "\"}";

        using var tooLarge = await client.PostAsync("/api/v1/organizations", huge);
        using var form = await client.SendAsync(HttpMethod.Post, "/api/v1/organizations", "firstName=a", contentType: "application/x-www-form-urlencoded");

        await tooLarge.ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        await form.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethod_AnswerProblemsNotPages()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var unknown = await client.GetAsync("/api/v1/nothing-here");
        using var method = await client.SendAsync(HttpMethod.Delete, $"/api/v1/organizations/{world.Organization}");

        await unknown.ProblemAsync(HttpStatusCode.NotFound);
        await method.ProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task IdempotencyKey_SameBodyReplays_OtherBodyIs409_AndNothingIsCreatedTwice()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "create-" + world.Unique };
        var body = OrganizationsApiTests<TFixture>.NewOrganization(world, $"Once {world.Unique}");

        using var first = await client.PostAsync("/api/v1/organizations", body, key);
        using var replay = await client.PostAsync("/api/v1/organizations", body, key);
        using var other = await client.PostAsync("/api/v1/organizations", body with { Seats = 6 }, key);

        var created = await first.JsonAsync(HttpStatusCode.Created);
        var replayed = await replay.JsonAsync(HttpStatusCode.Created);
        replayed.GetProperty("id").GetGuid().ShouldBe(created.GetProperty("id").GetGuid());
        replay.Headers.Location.ShouldBe(first.Headers.Location);
        replay.Headers.ETag.ShouldBe(first.Headers.ETag);
        replay.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        await other.ProblemAsync(HttpStatusCode.Conflict, "idempotency_key_reused");
        (await App.InDatabaseAsync(db => db.Organizations.CountAsync(o => o.Name == $"Once {world.Unique}"))).ShouldBe(1);

        // The same key from another API key is another key.
        using var reader = world.Reader(App);
        using var elsewhere = await reader.PostAsync("/api/v1/exports", new { status = "active" }, key);
        elsewhere.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task IdempotencyKey_OnAnAction_ReplaysTheFirstAnswerInsteadOfRefusingTheSecondSuspend()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "suspend-" + world.Unique };
        var path = $"/api/v1/organizations/{world.Organization}/suspend";

        using var first = await client.PostAsync(path, headers: key);
        using var retry = await client.PostAsync(path, headers: key);
        using var without = await client.PostAsync(path);

        (await first.JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("suspended");
        (await retry.JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("suspended");
        await without.ProblemAsync(HttpStatusCode.Conflict, "transition_not_allowed");
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Organization && a.EventType == AuditEventType.OrganizationSuspended)))
            .ShouldBe(1);
    }

    [Fact]
    public async Task IdempotencyKey_StillInProgress_Is409InProgress()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var key = "busy-" + world.Unique;
        var path = $"/api/v1/organizations/{world.Organization}/suspend";
        // A first request that has claimed the key and not finished (same method, path and empty body).
        await App.InDatabaseAsync(async db =>
        {
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"POST\n{path}\n"));
            db.IdempotencyRecords.Add(new Data.IdempotencyRecord
            {
                ApiKeyId = world.WriterKeyId,
                Key = key,
                RequestHash = Convert.ToHexStringLower(sha.GetHashAndReset()),
                State = Data.IdempotencyState.InProgress,
                CreatedAt = DateTimeOffset.UnixEpoch,
                ExpiresAt = DateTimeOffset.UnixEpoch.AddYears(100),
            });
            return await db.SaveChangesAsync();
        });

        using var response = await client.PostAsync(path, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });

        await response.ProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        (await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.Organization).Select(o => o.Status).SingleAsync()))
            .ShouldBe(Domain.Organizations.OrganizationStatus.Active);
    }

    [Fact]
    public async Task IdempotencyKey_Invalid_Is400()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        using var response = await client.PostAsync($"/api/v1/organizations/{world.Organization}/suspend",
            headers: new Dictionary<string, string> { ["Idempotency-Key"] = new string('k', 201) });

        await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_idempotency_key", "Idempotency-Key");
    }

    [Fact]
    public async Task Answers_CarryRateLimitHeaders()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);

        using var response = await client.GetAsync("/api/v1/partners");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("RateLimit-Limit").Single().ShouldBe("600");
        int.Parse(response.Headers.GetValues("RateLimit-Remaining").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThan(600);
        int.Parse(response.Headers.GetValues("RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, 60);
    }
}

public sealed class HttpConventionsTests_Sqlite(SqliteHostFixture fixture) : HttpConventionsTests<SqliteHostFixture>(fixture);

public sealed class HttpConventionsTests_Postgres(PostgresHostFixture fixture) : HttpConventionsTests<PostgresHostFixture>(fixture);
