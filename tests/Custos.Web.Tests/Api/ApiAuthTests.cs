using System.Net;
using Custos.ControlPlane.ApiKeys;
using Custos.ControlPlane.Partners;
using Custos.Domain.Audit;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Api;

/// Who may call the API: keys, their roles, their scope, and how their changes are audited.
public abstract class ApiAuthTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    public static TheoryData<string?> BadKeys => new()
    {
        null,
        "",
        "garbage",
        "cpk_short",
        "cpk_AAAAAAAAAAAA_" + new string('A', 43),
        "cst_" + new string('A', 43),
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task Request_WithoutAValidKey_Is401ProblemWithBearerChallenge(string? key)
    {
        using var client = new ApiClient(App, string.IsNullOrEmpty(key) ? null : key);

        using var response = await client.GetAsync("/api/v1/organizations");

        await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
    }

    [Fact]
    public async Task Request_WithAKeyWhoseSecretIsWrong_Is401()
    {
        var world = await ApiWorld.CreateAsync(App);
        // The right lookup ID with another secret.
        var forged = world.WriterKey[..17] + new string('B', world.WriterKey.Length - 17);
        using var client = new ApiClient(App, forged);

        using var response = await client.GetAsync("/api/v1/organizations");

        await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Request_WithRevokedKey_Is401FromTheNextRequestOn()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        using (var before = await client.GetAsync("/api/v1/organizations"))
        {
            before.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await App.InScopeAsync(async sp =>
        {
            var revoked = await sp.GetRequiredService<RevokeApiKey>().HandleAsync(
                new ActingUser(world.OwnerUserId, new Actor(world.OwnerUserId.ToString(), "Owner")), world.WriterKeyId, CancellationToken.None);
            revoked.Error.ShouldBeNull();
        });

        using var after = await client.GetAsync("/api/v1/organizations");
        await after.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task PortalCookie_DoesNotAuthenticateTheApi()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);

        using var response = await session.GetAsync("/api/v1/organizations");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReadOnlyKey_ReadsButEveryWriteIs403AndChangesNothing()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Reader(App);
        var org = $"/api/v1/organizations/{world.Organization}";

        using (var read = await client.GetAsync(org))
        {
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var writes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Post, "/api/v1/organizations", new { firstName = "A" }),
            (HttpMethod.Post, org + "/suspend", null),
            (HttpMethod.Post, org + "/unsubscribe", null),
            (HttpMethod.Post, org + "/reactivate", null),
            (HttpMethod.Post, org + "/delete", null),
            (HttpMethod.Put, org + "/seats", new { seats = 9 }),
            (HttpMethod.Put, org + "/plan", new { planId = world.BackupTwo.Id }),
            (HttpMethod.Put, org + "/auto-license", new { enabled = true }),
            (HttpMethod.Put, org + "/personal-info", new { firstName = "B" }),
            (HttpMethod.Put, org + "/features/insights", new { enabled = true }),
            (HttpMethod.Put, org + "/download-limit", new { gb = 3 }),
            (HttpMethod.Post, org + $"/login-accounts/{Guid.NewGuid()}/api-token", null),
        };
        foreach (var (method, path, body) in writes)
        {
            using var response = await client.SendAsync(method, path, body, new Dictionary<string, string> { ["If-Match"] = "*" });
            await response.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == world.Organization && a.ActorName.StartsWith("API key"))))
            .ShouldBe(0);
        // Exports change no organization: every role may export, as in the portal.
        using var export = await client.PostAsync("/api/v1/exports", new { status = "active" });
        export.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task ForeignOrganization_Is404ForEveryOperation_AndSubPartnersAreVisible()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var foreign = $"/api/v1/organizations/{world.ForeignOrganization}";
        var sub = $"/api/v1/organizations/{world.SubOrganization}";

        var versionBefore = await App.InDatabaseAsync(db => db.Organizations.Where(o => o.Id == world.ForeignOrganization).Select(o => o.Version).SingleAsync());
        using (var visible = await client.GetAsync(sub))
        {
            visible.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var calls = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, foreign, null),
            (HttpMethod.Get, foreign + "/features", null),
            (HttpMethod.Get, foreign + "/login-accounts", null),
            (HttpMethod.Get, foreign + "/subscription-history", null),
            (HttpMethod.Post, foreign + "/suspend", null),
            (HttpMethod.Post, foreign + "/unsubscribe", null),
            (HttpMethod.Post, foreign + "/reactivate", null),
            (HttpMethod.Post, foreign + "/delete", null),
            (HttpMethod.Put, foreign + "/seats", new { seats = 9 }),
            (HttpMethod.Put, foreign + "/plan", new { planId = world.BackupTwo.Id }),
            (HttpMethod.Put, foreign + "/auto-license", new { enabled = true }),
            (HttpMethod.Put, foreign + "/personal-info", new { firstName = "B", lastName = "C", email = $"x.{world.Unique}@example.test", country = "DE", organizationName = "X" }),
            (HttpMethod.Put, foreign + "/features/insights", new { enabled = true }),
            (HttpMethod.Put, foreign + "/download-limit", new { gb = 3 }),
            (HttpMethod.Post, foreign + $"/login-accounts/{Guid.NewGuid()}/api-token", null),
            (HttpMethod.Get, $"/api/v1/plans?partnerId={world.Foreign.Id}", null),
        };
        foreach (var (method, path, body) in calls)
        {
            using var response = await client.SendAsync(method, path, body, new Dictionary<string, string> { ["If-Match"] = "*" });
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }

        var foreignAfter = await App.InDatabaseAsync(db => db.Organizations.AsNoTracking().SingleAsync(o => o.Id == world.ForeignOrganization));
        foreignAfter.Status.ShouldBe(Domain.Organizations.OrganizationStatus.Active);
        foreignAfter.Version.ShouldBe(versionBefore);
    }

    [Fact]
    public async Task ChangeByKey_IsAuditedWithTheKeyAsActor_AndUpdatesLastUsedOncePerMinute()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        using var response = await client.PostAsync($"/api/v1/organizations/{world.Organization}/suspend");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(a => a.OrganizationId == world.Organization && a.EventType == AuditEventType.OrganizationSuspended));
        audit.ActorName.ShouldBe("API key Automation");
        audit.ActorId.ShouldBe($"api-key:{world.WriterKeyId}");

        var firstUse = await App.InDatabaseAsync(db => db.PartnerApiKeys.AsNoTracking().Where(k => k.Id == world.WriterKeyId).Select(k => k.LastUsedAt).SingleAsync());
        firstUse.ShouldNotBeNull();
        using (var again = await client.GetAsync("/api/v1/organizations"))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // Within the minute the time is not written again.
        (await App.InDatabaseAsync(db => db.PartnerApiKeys.AsNoTracking().Where(k => k.Id == world.WriterKeyId).Select(k => k.LastUsedAt).SingleAsync()))
            .ShouldBe(firstUse);
    }

    [Fact]
    public async Task AdministratorKey_IsRefusedAtCreation()
    {
        var world = await ApiWorld.CreateAsync(App);

        var created = await App.InScopeAsync(sp => sp.GetRequiredService<CreateApiKey>().HandleAsync(
            new CreateApiKeyRequest(new ActingUser(world.OwnerUserId, new Actor("o", "Owner")), "Admin key", Data.PartnerRole.Administrator),
            CancellationToken.None));

        created.Error.ShouldBeOfType<AdministratorKeyRefused>();
    }
}

public sealed class ApiAuthTests_Sqlite(SqliteHostFixture fixture) : ApiAuthTests<SqliteHostFixture>(fixture);

public sealed class ApiAuthTests_Postgres(PostgresHostFixture fixture) : ApiAuthTests<PostgresHostFixture>(fixture);
