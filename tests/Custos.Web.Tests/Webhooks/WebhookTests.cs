using System.Globalization;
using System.Net;
using System.Text.Json;
using Custos.ControlPlane.Webhooks;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Webhooks;
using Custos.Web.Tests.Api;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Webhooks;

/// A SQLite host whose webhooks retry after 1 s twice and disable an endpoint after one message is given up.
public sealed class WebhookHostFixture : HostFixture
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath)
        {
            Settings = new Dictionary<string, string?>
            {
                ["Custos:Webhooks:RetrySeconds"] = "1,1",
                ["Custos:Webhooks:TimeoutSeconds"] = "3",
                ["Custos:Webhooks:DisableAfterFailedMessages"] = "1",
            },
        });
}

/// Webhooks end to end over real HTTP: the API and the page manage endpoints, a lifecycle change is
/// delivered to a listener on 127.0.0.1 that checks the signature with its own code, failures are
/// retried and finally disable the endpoint with a notice.
public sealed class WebhookTests(WebhookHostFixture fixture) : IClassFixture<WebhookHostFixture>
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task SuspendingAnOrganization_DeliversASignedEvent_ThatVerifyAccepts_AndRedeliverSendsItAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var (endpointId, secret) = await CreateAsync(client, receiver, [WebhookEvents.OrganizationSuspended]);

        (await client.PostAsync($"/api/v1/organizations/{world.SubOrganization}/suspend")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await Eventually.Async(() => receiver.Received.Count >= 1, "the suspension delivered");
        var hook = receiver.Received.Single();
        WebhookReceiver.IsSignedWith(hook, secret).ShouldBeTrue(hook.Signature);
        hook.Id.ShouldStartWith("msg_");
        hook.ContentType.ShouldStartWith("application/json");
        Math.Abs(long.Parse(hook.Timestamp!, CultureInfo.InvariantCulture) - hook.At.ToUnixTimeSeconds()).ShouldBeLessThanOrEqualTo(5);
        using (var body = JsonDocument.Parse(hook.Body))
        {
            body.RootElement.GetProperty("type").GetString().ShouldBe("organization.suspended");
            body.RootElement.GetProperty("timestamp").GetString()!.ShouldEndWith("Z");
            var data = body.RootElement.GetProperty("data");
            data.GetProperty("organizationId").GetGuid().ShouldBe(world.SubOrganization);
            data.GetProperty("partnerId").GetGuid().ShouldBe(world.Sub.Id);
            data.GetProperty("organization").GetProperty("status").GetString().ShouldBe("suspended");
            hook.Body.ShouldNotContain("whsec_");
        }

        var deliveries = await Eventually.Async(
            async () => (await (await client.GetAsync($"/api/v1/webhook-endpoints/{endpointId}/deliveries")).JsonAsync(HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().ToList(),
            items => items.Count == 1 && items[0].GetProperty("status").GetString() == "delivered", "the delivery logged as delivered");
        deliveries[0].GetProperty("webhookId").GetString().ShouldBe(hook.Id);
        deliveries[0].GetProperty("attempts").GetInt32().ShouldBe(1);
        deliveries[0].GetProperty("lastStatusCode").GetInt32().ShouldBe(200);

        // The receiver's copy is genuine; the same with a changed body, an old timestamp or no signature is not.
        (await VerifyAsync(client, endpointId, hook.Id, hook.Timestamp, hook.Signature, hook.Body)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await VerifyAsync(client, endpointId, hook.Id, hook.Timestamp, hook.Signature, hook.Body.Replace("suspended", "reactivated")))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "signature_mismatch", "webhook-signature");
        var old = TimeProvider.System.GetUtcNow().AddMinutes(-10).ToUnixTimeSeconds();
        await (await VerifyAsync(client, endpointId, hook.Id, old.ToString(CultureInfo.InvariantCulture),
                WebhookReceiver.SignIndependently(secret, hook.Id!, old, hook.Body), hook.Body))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "signature_too_old", "webhook-timestamp");
        await (await VerifyAsync(client, endpointId, hook.Id, hook.Timestamp, null, hook.Body))
            .ProblemAsync(HttpStatusCode.BadRequest, "signature_header_missing", "webhook-signature");
        await (await VerifyAsync(client, endpointId, hook.Id, "soon", hook.Signature, hook.Body))
            .ProblemAsync(HttpStatusCode.BadRequest, "signature_timestamp_invalid", "webhook-timestamp");

        var deliveryId = deliveries[0].GetProperty("id").GetInt64();
        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/redeliver")).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Async(() => receiver.Received.Count >= 2, "the redelivery");
        var again = receiver.Received[1];
        again.Id.ShouldBe(hook.Id);
        again.Body.ShouldBe(hook.Body);
        WebhookReceiver.IsSignedWith(again, secret).ShouldBeTrue();
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.WebhookRedelivered)))
            .ShouldBe(1);
    }

    [Fact]
    public async Task AReceiverAnswering500_GetsTheSameMessageAgain_AfterTheBackoff()
    {
        await using var receiver = await WebhookReceiver.StartAsync(n => n == 1 ? 500 : 204);
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var (endpointId, secret) = await CreateAsync(client, receiver, null);

        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/test")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await Eventually.Async(() => receiver.Received.Count >= 2, "the retry");
        var (first, second) = (receiver.Received[0], receiver.Received[1]);
        second.Id.ShouldBe(first.Id);
        second.Body.ShouldBe(first.Body);
        JsonDocument.Parse(first.Body).RootElement.GetProperty("type").GetString().ShouldBe("webhook.test");
        WebhookReceiver.IsSignedWith(first, secret).ShouldBeTrue();
        WebhookReceiver.IsSignedWith(second, secret).ShouldBeTrue();

        var delivery = await Eventually.Async(
            () => App.InDatabaseAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EndpointId == endpointId)),
            d => d.Status == WebhookDeliveryStatus.Delivered, "the delivery recorded");
        delivery.Attempts.ShouldBe(2);
        var attempts = await App.InDatabaseAsync(db => db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == delivery.Id).OrderBy(a => a.Id).ToListAsync());
        attempts.Select(a => a.StatusCode).ShouldBe([500, 204]);
        attempts[0].ResponseExcerpt.ShouldBe("receiver is down");
        // The second attempt waited for the backoff, which runs from the moment the first was sent:
        // judged by the attempts' own records (an attempt is recorded when its answer came, so the
        // first one's start is its record time less its duration), not by the receiver's clock.
        var firstSent = attempts[0].At - TimeSpan.FromMilliseconds(attempts[0].DurationMs);
        (attempts[1].At - firstSent).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9));
    }

    [Fact]
    public async Task AReceiverThatKeepsFailing_DisablesTheEndpoint_WithAuditMailAndBanner_UntilEnabledByHand()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => 503);
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var (endpointId, _) = await CreateAsync(client, receiver, null);

        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/test")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var endpoint = await Eventually.Async(
            async () => await (await client.GetAsync($"/api/v1/webhook-endpoints/{endpointId}")).JsonAsync(HttpStatusCode.OK),
            e => !e.GetProperty("enabled").GetBoolean(), "the endpoint disabled");
        endpoint.GetProperty("disabledReason").GetString().ShouldBe("failing");
        receiver.Received.Count.ShouldBe(3); // the first attempt and two retries
        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(a => a.PartnerId == world.Partner.Id && a.EventType == AuditEventType.WebhookEndpointAutoDisabled));
        audit.ActorName.ShouldBe("Custos");
        var mail = await App.InDatabaseAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.PartnerId == world.Partner.Id && m.Kind == "webhook.endpoint-disabled").ToListAsync());
        mail.ShouldHaveSingleItem().ToAddress.ShouldBe(world.OwnerEmail);
        mail[0].Subject.ShouldContain(receiver.Url.AbsoluteUri);

        using var session = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);
        Html.Text(await session.GetHtmlAsync("/settings/webhooks")).ShouldContain("Custos disabled");

        // Nothing more is sent while it is disabled; enabling it is a manual action.
        (await client.PostAsync($"/api/v1/webhook-endpoints/{endpointId}/test")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var get = await client.GetAsync($"/api/v1/webhook-endpoints/{endpointId}");
        var etag = get.Headers.ETag!.Tag;
        var enabled = await (await client.PutAsync($"/api/v1/webhook-endpoints/{endpointId}",
            new { url = receiver.Url.AbsoluteUri, enabled = true }, etag)).JsonAsync(HttpStatusCode.OK);
        enabled.GetProperty("enabled").GetBoolean().ShouldBeTrue();
        Html.Text(await session.GetHtmlAsync("/settings/webhooks")).ShouldNotContain("Custos disabled");
    }

    [Fact]
    public async Task AnotherPartnersEndpoint_IsNotFound_AndBadInputIsRefused()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var writer = world.Writer(App);
        using var reader = world.Reader(App);
        var foreign = await App.InScopeAsync(sp => sp.GetRequiredService<CreateWebhookEndpoint>().HandleAsync(
            new CreateWebhookEndpointRequest(new WebhookActor(world.Foreign.Id, new Actor("tests", "Tests")), "https://foreign.example.com/hook", null, null),
            CancellationToken.None));
        var foreignId = foreign.Value!.Endpoint.Id;

        (await writer.GetAsync($"/api/v1/webhook-endpoints/{foreignId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await writer.GetAsync($"/api/v1/webhook-endpoints/{foreignId}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await writer.PutAsync($"/api/v1/webhook-endpoints/{foreignId}", new { url = "https://mine.example.com/" }, "*")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await writer.PostAsync($"/api/v1/webhook-endpoints/{foreignId}/rotate-secret")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await writer.PostAsync($"/api/v1/webhook-endpoints/{foreignId}/test")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await writer.SendAsync(HttpMethod.Delete, $"/api/v1/webhook-endpoints/{foreignId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await VerifyAsync(writer, foreignId, "msg_x", "1", "v1,x", "{}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await (await writer.GetAsync("/api/v1/webhook-endpoints")).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .ShouldNotContain(e => e.GetProperty("id").GetGuid() == foreignId);
        (await App.InDatabaseAsync(db => db.WebhookEndpoints.CountAsync(e => e.Id == foreignId))).ShouldBe(1);

        await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url = "http://hooks.example.com/" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "url");
        await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url = "https://user:pw@hooks.example.com/" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "url");
        await (await writer.PostAsync("/api/v1/webhook-endpoints", new { description = "no url" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "url");
        await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url = "https://hooks.example.com/", eventTypes = new[] { "organization.exploded" } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation", "eventTypes");
        await (await writer.PostAsync("/api/v1/webhook-endpoints", "{\"url\": 5}")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_body");
        (await reader.PostAsync("/api/v1/webhook-endpoints", new { url = "https://hooks.example.com/" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync("/api/v1/webhook-endpoints")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await App.InDatabaseAsync(db => db.WebhookEndpoints.CountAsync(e => e.PartnerId == world.Partner.Id))).ShouldBe(0);

        // Updates need the current ETag.
        var created = await (await writer.PostAsync("/api/v1/webhook-endpoints", new { url = "https://hooks.example.com/a" })).JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("endpoint").GetProperty("id").GetGuid();
        await (await writer.PutAsync($"/api/v1/webhook-endpoints/{id}", new { url = "https://hooks.example.com/b" }, null))
            .ProblemAsync((HttpStatusCode)428, "if_match_required");
        await (await writer.PutAsync($"/api/v1/webhook-endpoints/{id}", new { url = "https://hooks.example.com/b" }, "\"99\""))
            .ProblemAsync(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var current = (await writer.GetAsync($"/api/v1/webhook-endpoints/{id}")).Headers.ETag!.Tag;
        (await (await writer.PutAsync($"/api/v1/webhook-endpoints/{id}", new { url = "https://hooks.example.com/b" }, current)).JsonAsync(HttpStatusCode.OK))
            .GetProperty("url").GetString().ShouldBe("https://hooks.example.com/b");
    }

    [Fact]
    public async Task ThePage_CreatesAnEndpointShowingTheSecretOnce_Refuses422_AndIsClosedToReadOnlyUsers()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var owner = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);
        Html.Text(await owner.GetHtmlAsync("/settings/webhooks")).ShouldContain("No webhook endpoints yet");

        using var bad = await owner.PostFormAsync("/settings/webhooks", "add-endpoint", new Dictionary<string, string?> { ["Input.Url"] = "ftp://x" });
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        Html.Text(await bad.Content.ReadAsStringAsync()).ShouldContain("absolute https://");

        using var created = await owner.PostFormAsync("/settings/webhooks", "add-endpoint", new List<KeyValuePair<string, string?>>
        {
            new("Input.Url", "https://hooks.example.com/psa"),
            new("Input.Description", "PSA"),
            new("events", WebhookEvents.OrganizationCreated),
            new("events", WebhookEvents.TransferExecuted),
        });
        created.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await created.Content.ReadAsStringAsync();
        // The attribute is HTML-encoded: a "+" of the base64 arrives as "&#x2B;".
        var secret = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "value=\"(whsec_[^\"]+)\"").Groups[1].Value);
        WebhookSignature.KeyOf(secret).ShouldNotBeNull();
        var row = await App.InDatabaseAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.PartnerId == world.Partner.Id));
        row.EventTypes.ShouldBe("organization.created,transfer.executed");
        var page = await owner.GetHtmlAsync($"/settings/webhooks/{row.Id}");
        page.ShouldNotContain(secret);
        Html.Text(page).ShouldContain("No deliveries yet");

        using var readOnly = await PortalSession.SignInAsync(App, world.ReadOnlyEmail, ApiWorld.Password);
        (await readOnly.GetAsync("/settings/webhooks")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var forged = await readOnly.PostFormAsync("/settings/webhooks", "add-endpoint",
            new Dictionary<string, string?> { ["Input.Url"] = "https://evil.example.com/" }, await readOnly.TokenFromAsync("/organizations"));
        forged.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await readOnly.GetHtmlAsync("/organizations")).ShouldNotContain("href=\"/settings/webhooks\"");
        (await App.InDatabaseAsync(db => db.WebhookEndpoints.CountAsync(e => e.PartnerId == world.Partner.Id))).ShouldBe(1);

        var foreign = await App.InScopeAsync(sp => sp.GetRequiredService<CreateWebhookEndpoint>().HandleAsync(
            new CreateWebhookEndpointRequest(new WebhookActor(world.Foreign.Id, new Actor("tests", "Tests")), "https://foreign.example.com/hook", null, null),
            CancellationToken.None));
        (await owner.GetAsync($"/settings/webhooks/{foreign.Value!.Endpoint.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PrivateNetworksAndMetadata_AreRefused_OnTheApiAndThePage_WhileTheHostDoesNotAllowThem()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var writer = world.Writer(App);
        using var owner = await PortalSession.SignInAsync(App, world.OwnerEmail, ApiWorld.Password);

        await WebhookAddressTests.RefusedAsync(writer, owner, "https://10.0.0.5/x");
        await WebhookAddressTests.RefusedAsync(writer, owner, "https://192.168.1.10/x");
        await WebhookAddressTests.RefusedAsync(writer, owner, "https://169.254.169.254/latest/meta-data/");
        await WebhookAddressTests.RefusedAsync(writer, owner, "https://metadata.google.internal/computeMetadata/v1/");
        (await App.InDatabaseAsync(db => db.WebhookEndpoints.CountAsync(e => e.PartnerId == world.Partner.Id))).ShouldBe(0);
    }

    internal static async Task<(Guid Id, string Secret)> CreateAsync(ApiClient client, WebhookReceiver receiver, string[]? events)
    {
        var created = await (await client.PostAsync("/api/v1/webhook-endpoints",
            new { url = receiver.Url.AbsoluteUri, description = "Test receiver", eventTypes = events })).JsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("endpoint").GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    private static Task<HttpResponseMessage> VerifyAsync(ApiClient client, Guid endpointId, string? id, string? timestamp, string? signature, string body)
    {
        var headers = new Dictionary<string, string>();
        if (id is not null)
        {
            headers["webhook-id"] = id;
        }

        if (timestamp is not null)
        {
            headers["webhook-timestamp"] = timestamp;
        }

        if (signature is not null)
        {
            headers["webhook-signature"] = signature;
        }

        return client.SendAsync(HttpMethod.Post, $"/api/v1/webhook-endpoints/{endpointId}/verify", body, headers);
    }
}

/// An event saved on a host that stops before delivering it (here: a host without a scheduler) is
/// delivered by the next host on the same database, exactly once.
public sealed class WebhookRestartTests
{
    [Fact]
    public async Task AnEventQueuedBeforeAStop_IsDeliveredOnceByTheNextHost()
    {
        using var data = new TempFolder("webhook-restart");
        await using var receiver = await WebhookReceiver.StartAsync();
        CustosAppOptions Options(bool scheduler) => new(data.Path)
        {
            Settings = new Dictionary<string, string?> { ["Custos:Scheduler:Enabled"] = scheduler ? "true" : "false" },
        };

        string secret;
        Guid endpointId;
        await using (var first = await CustosApp.StartAsync(Options(scheduler: false)))
        {
            var world = await ApiWorld.CreateAsync(first);
            using var client = world.Writer(first);
            (endpointId, secret) = await WebhookTests.CreateAsync(client, receiver, [WebhookEvents.OrganizationSuspended]);
            (await client.PostAsync($"/api/v1/organizations/{world.Organization}/suspend")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await first.InDatabaseAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == endpointId && d.Status == WebhookDeliveryStatus.Pending)))
                .ShouldBe(1);
        }

        receiver.Received.ShouldBeEmpty();
        await using var second = await CustosApp.StartAsync(Options(scheduler: true));
        await Eventually.Async(() => receiver.Received.Count >= 1, "the queued event delivered by the next host");
        await Eventually.Async(
            () => second.InDatabaseAsync(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.EndpointId == endpointId)),
            d => d.Status == WebhookDeliveryStatus.Delivered, "the delivery recorded");
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // a few more job runs: nothing is sent again

        var hook = receiver.Received.ShouldHaveSingleItem();
        WebhookReceiver.IsSignedWith(hook, secret).ShouldBeTrue();
        JsonDocument.Parse(hook.Body).RootElement.GetProperty("type").GetString().ShouldBe("organization.suspended");
    }
}
