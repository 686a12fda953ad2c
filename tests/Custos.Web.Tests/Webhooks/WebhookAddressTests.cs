using System.Net;
using Custos.ControlPlane.Webhooks;
using Custos.Data;
using Custos.Domain.Webhooks;
using Custos.Web.Tests.Api;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Webhooks;

/// A SQLite host that, like production, refuses loopback receivers, but allows private networks (a
/// self-hosted platform with an internal receiver). Retries come after 1 s, twice.
public sealed class NoLoopbackWebhookHostFixture : HostFixture
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath)
        {
            Settings = new Dictionary<string, string?>
            {
                ["Custos:Webhooks:AllowHttpLoopback"] = "false",
                ["Custos:Webhooks:AllowPrivateNetworks"] = "true",
                ["Custos:Webhooks:RetrySeconds"] = "1,1",
                ["Custos:Webhooks:TimeoutSeconds"] = "3",
            },
        });
}

/// Webhooks never reach this machine's or the cloud's internal addresses: registration refuses them
/// by their literal address or name, and delivery refuses them by the address a name resolves to
/// when connecting. The receivers listen on 127.0.0.1, which this host does not deliver to.
public sealed class WebhookAddressTests(NoLoopbackWebhookHostFixture fixture) : IClassFixture<NoLoopbackWebhookHostFixture>
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task Registration_RefusesMetadataLoopbackAndLocalNames_OnTheApiAndThePage_AndAcceptsAPrivateNetworkWhenAllowed()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var writer = world.Writer(App);
        using var owner = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);

        foreach (var url in new[]
        {
            "https://169.254.169.254/x", "https://[::ffff:127.0.0.1]/x", "https://localhost/x", "https://api.localhost/x", "http://127.0.0.1:8080/x",
        })
        {
            await RefusedAsync(writer, owner, url);
        }

        (await App.InDatabaseAsync(db => db.WebhookEndpoints.CountAsync(e => e.PartnerId == world.Partner.Id))).ShouldBe(0);

        var created = await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url = "https://10.0.0.5/x" })).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("endpoint").GetProperty("id").GetGuid();

        // Changing the address goes through the same check; the stored one stays.
        var etag = (await writer.GetAsync($"/api/v1/webhook-endpoints/{id}")).Headers.ETag!.Tag;
        var problem = await (await writer.PutAsync($"/api/v1/webhook-endpoints/{id}", new { url = "https://169.254.169.254/latest/meta-data/" }, etag))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "url");
        problem.GetProperty("errors").GetProperty("url")[0].GetString().ShouldBe(WebhookUrl.InternalAddressMessage);
        (await App.InDatabaseAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id))).Url.ShouldBe("https://10.0.0.5/x");
    }

    [Fact]
    public async Task ANameResolvingToLoopback_IsNotConnectedTo_AndEveryAttemptIsRecordedAsFailedWithTheReason()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        // An endpoint saved while its name still looked harmless (or by a host allowing loopback):
        // only the check made when connecting stands between it and the receiver on 127.0.0.1.
        var url = $"http://localhost:{receiver.Url.Port}/hook";
        var endpointId = await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var endpoint = WebhookEndpoint.Create(world.Partner.Id, WebhookUrl.Parse(url, new WebhookAddressPolicy(true, false)).Value!, "Rebound", null,
                sp.GetRequiredService<WebhookSecrets>().Protect(WebhookSignature.NewSecret()), "Tests", TimeProvider.System.GetUtcNow());
            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync();
            return endpoint.Id;
        });
        var mark = App.Logs.Count;

        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/test")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var delivery = await Eventually.Async(
            () => App.InDatabaseAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EndpointId == endpointId)),
            d => d.Status != WebhookDeliveryStatus.Pending, "the test event delivered or given up");
        receiver.Received.ShouldBeEmpty();
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Failed);
        delivery.Attempts.ShouldBe(3);
        delivery.LastStatusCode.ShouldBeNull();
        delivery.LastResult.ShouldNotBeNull().ShouldStartWith("the name resolves only to refused addresses: ");
        var attempts = await App.InDatabaseAsync(db => db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == delivery.Id).ToListAsync());
        attempts.Count.ShouldBe(3);
        attempts.ShouldAllBe(a => a.StatusCode == null && a.Error!.StartsWith("the name resolves only to refused addresses: ") && a.Error.Contains("127.0.0.1 (loopback)"));
        var row = await App.InDatabaseAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == endpointId));
        row.LastSucceeded.ShouldBe(false);
        row.LastResult.ShouldNotBeNull().ShouldContain("refused addresses");
        App.Logs.AtLeast(LogLevel.Warning, mark).ShouldContain(l => l.Message.Contains("the name resolves only to refused addresses"));

        // "Redeliver" sends through the same client, so through the same check.
        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/deliveries/{delivery.Id}/redeliver")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Async(
            () => App.InDatabaseAsync(db => db.WebhookAttempts.CountAsync(a => a.DeliveryId == delivery.Id && a.Error!.StartsWith("the name resolves only to refused addresses"))),
            n => n >= 4, "the redelivery attempted and refused");
        receiver.Received.ShouldBeEmpty();
    }

    /// The API answers 422 on the url field with the message, and so does the portal's form.
    internal static async Task RefusedAsync(ApiClient writer, PortalSession owner, string url)
    {
        var problem = await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "url");
        problem.GetProperty("errors").GetProperty("url")[0].GetString().ShouldBe(WebhookUrl.InternalAddressMessage, url);

        using var page = await owner.PostFormAsync("/settings/webhooks", "add-endpoint", new Dictionary<string, string?> { ["Input.Url"] = url });
        page.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, url);
        Html.Text(await page.Content.ReadAsStringAsync()).ShouldContain(WebhookUrl.InternalAddressMessage, Case.Sensitive, url);
    }
}
