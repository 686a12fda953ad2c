using System.Globalization;
using System.Text;
using Custos.ControlPlane.Webhooks;
using Custos.Domain.Webhooks;
using Custos.Web.Hosting;

namespace Custos.Web.Api;

/// The key's partner's webhook endpoints (docs/webhooks.md). A new signing secret is only in the
/// answer that makes it and is never stored in clear, so create and rotate-secret take no
/// Idempotency-Key (a replay would have to keep the secret); redeliver and test do.
public static class WebhooksApi
{
    private const string CursorPrefix = "d1.";

    public static void MapWebhooks(this RouteGroupBuilder api)
    {
        var hooks = api.MapGroup("/webhook-endpoints").WithTags("Webhooks");

        hooks.MapGet("/", ListAsync).WithName("listWebhookEndpoints").WithSummary("List webhook endpoints")
            .WithDescription("The key's partner's endpoints, newest first. Secrets are never shown here.")
            .Produces<WebhookEndpointList>();

        hooks.MapPost("/", CreateAsync).WithName("createWebhookEndpoint").WithSummary("Register a webhook endpoint")
            .WithDescription("url: https (http only to localhost when the host allows it), no credentials in it. eventTypes: omit or [] for every type. " +
                "The answer holds the signing secret (whsec_…), shown only this once.")
            .Accepts<WebhookEndpointBody>("application/json")
            .Produces<IssuedWebhookEndpoint>(StatusCodes.Status201Created).Problems(400, 413, 415, 422).Writes();

        hooks.MapGet("/{id:guid}", GetAsync).WithName("getWebhookEndpoint").WithSummary("Get a webhook endpoint")
            .WithDescription("With its ETag, for If-Match on updates.")
            .Produces<WebhookEndpointResource>().Problems(404);

        hooks.MapPut("/{id:guid}", UpdateAsync).WithName("updateWebhookEndpoint").WithSummary("Change a webhook endpoint")
            .WithDescription("Replaces url, description and eventTypes; enabled (optional) turns it on or off. If-Match is required.")
            .Accepts<WebhookEndpointUpdateBody>("application/json")
            .Produces<WebhookEndpointResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();

        hooks.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteWebhookEndpoint").WithSummary("Delete a webhook endpoint")
            .WithDescription("Deletes it with its delivery log; nothing more is sent to it.")
            .Produces(StatusCodes.Status204NoContent).Problems(404, 409).Writes();

        hooks.MapPost("/{id:guid}/rotate-secret", RotateAsync).WithName("rotateWebhookSecret").WithSummary("Rotate the signing secret")
            .WithDescription("The new secret is in this answer only. For 24 hours deliveries are signed with both the new and the previous secret.")
            .Produces<IssuedWebhookEndpoint>().Problems(404, 409).Writes();

        hooks.MapPost("/{id:guid}/test", TestAsync).WithName("sendTestWebhook").WithSummary("Send a test event")
            .WithDescription("Queues a webhook.test event for this endpoint only.")
            .Produces<QueuedDelivery>(StatusCodes.Status202Accepted).Problems(404, 409).Writes().Idempotent();

        hooks.MapGet("/{id:guid}/deliveries", DeliveriesAsync).WithName("listWebhookDeliveries").WithSummary("List an endpoint's deliveries")
            .WithDescription($"Newest first; limit 1–100 (default {ListWebhookDeliveries.PageSize}); pass nextCursor back as cursor.")
            .Produces<WebhookDeliveryList>().Problems(400, 404);

        hooks.MapPost("/{id:guid}/deliveries/{deliveryId:long}/redeliver", RedeliverAsync).WithName("redeliverWebhook")
            .WithSummary("Redeliver a message")
            .WithDescription("Sends the message to this endpoint again now: same webhook-id and body, a new timestamp and signature.")
            .Produces<QueuedDelivery>(StatusCodes.Status202Accepted).Problems(404, 409).Writes().Idempotent();

        hooks.MapPost("/{id:guid}/verify", VerifyAsync).WithName("verifyWebhookSignature").WithSummary("Check a delivery's signature")
            .WithDescription("Send the webhook-id, webhook-timestamp and webhook-signature headers and the raw body exactly as your receiver got them. " +
                "204: a genuine signature of this endpoint, made within 5 minutes of now. Otherwise a problem names what is wrong.")
            .Produces(StatusCodes.Status204NoContent).Problems(400, 404, 413, 422);
    }

    private static WebhookActor Actor(PartnerContext partner) => new(partner.PartnerId, partner.Actor);

    private static async Task<IResult> ListAsync(HttpContext http, PartnerContext partner, ListWebhookEndpoints lister)
    {
        var endpoints = await lister.HandleAsync(Actor(partner), http.RequestAborted);
        return TypedResults.Ok(new WebhookEndpointList([.. endpoints.Select(WebhookEndpointResource.Of)]));
    }

    private static async Task<IResult> CreateAsync(ApiBody<WebhookEndpointBody> body, HttpContext http, PartnerContext partner, CreateWebhookEndpoint creator)
    {
        var b = body.Value;
        var created = await creator.HandleAsync(new CreateWebhookEndpointRequest(Actor(partner), b.Url, b.Description, b.EventTypes), http.RequestAborted);
        if (created.Error is not null)
        {
            return ApiProblems.From(created.Error);
        }

        http.Response.Headers.CacheControl = "no-store";
        var issued = created.Value!;
        ETags.Set(http, issued.Endpoint.Version);
        return TypedResults.Created($"/api/v1/webhook-endpoints/{issued.Endpoint.Id}", IssuedWebhookEndpoint.Of(issued));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, PartnerContext partner, ListWebhookEndpoints lister)
    {
        var found = await lister.GetAsync(Actor(partner), id, http.RequestAborted);
        if (found.Error is not null)
        {
            return ApiProblems.From(found.Error);
        }

        ETags.Set(http, found.Value!.Version);
        return TypedResults.Ok(WebhookEndpointResource.Of(found.Value));
    }

    private static async Task<IResult> UpdateAsync(
        Guid id, ApiBody<WebhookEndpointUpdateBody> body, HttpContext http, PartnerContext partner, UpdateWebhookEndpoint updater, SetWebhookEndpointEnabled switcher)
    {
        var ifMatch = ETags.Read(http);
        if (!ifMatch.Given)
        {
            return ApiProblems.Problem(StatusCodes.Status428PreconditionRequired, "if_match_required",
                "Send the endpoint's ETag as If-Match, so a change made meanwhile is not overwritten.",
                new Dictionary<string, string[]> { ["If-Match"] = ["If-Match is required."] });
        }

        var b = body.Value;
        var actor = Actor(partner);
        var updated = await updater.HandleAsync(
            new UpdateWebhookEndpointRequest(actor, id, b.Url, b.Description, b.EventTypes, ifMatch.Never ? -1 : ifMatch.Version), http.RequestAborted);
        if (updated.Error is not null)
        {
            return ApiProblems.From(updated.Error, ifMatchGiven: true);
        }

        var view = updated.Value!;
        if (b.Enabled is { } enabled && enabled != view.Enabled)
        {
            var switched = await switcher.HandleAsync(actor, id, enabled, http.RequestAborted);
            if (switched.Error is not null)
            {
                return ApiProblems.From(switched.Error);
            }

            view = switched.Value!;
        }

        ETags.Set(http, view.Version);
        return TypedResults.Ok(WebhookEndpointResource.Of(view));
    }

    private static async Task<IResult> DeleteAsync(Guid id, HttpContext http, PartnerContext partner, DeleteWebhookEndpoint deleter)
    {
        var deleted = await deleter.HandleAsync(Actor(partner), id, http.RequestAborted);
        return deleted.Error is not null ? ApiProblems.From(deleted.Error) : TypedResults.NoContent();
    }

    private static async Task<IResult> RotateAsync(Guid id, HttpContext http, PartnerContext partner, RotateWebhookSecret rotator)
    {
        var rotated = await rotator.HandleAsync(Actor(partner), id, http.RequestAborted);
        if (rotated.Error is not null)
        {
            return ApiProblems.From(rotated.Error);
        }

        http.Response.Headers.CacheControl = "no-store";
        ETags.Set(http, rotated.Value!.Endpoint.Version);
        return TypedResults.Ok(IssuedWebhookEndpoint.Of(rotated.Value));
    }

    private static async Task<IResult> TestAsync(Guid id, HttpContext http, PartnerContext partner, SendTestWebhook tester)
    {
        var sent = await tester.HandleAsync(Actor(partner), id, http.RequestAborted);
        return sent.Error is not null
            ? ApiProblems.From(sent.Error)
            : TypedResults.Accepted($"/api/v1/webhook-endpoints/{id}/deliveries", new QueuedDelivery(sent.Value));
    }

    private static async Task<IResult> DeliveriesAsync(Guid id, HttpContext http, PartnerContext partner, ListWebhookDeliveries lister, string? limit, string? cursor)
    {
        var size = ListWebhookDeliveries.PageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 100))
        {
            return ApiProblems.BadRequest("invalid_query", "limit must be a whole number from 1 to 100.", "limit");
        }

        long? before = null;
        if (cursor is not null)
        {
            if (!cursor.StartsWith(CursorPrefix, StringComparison.Ordinal)
                || !long.TryParse(cursor.AsSpan(CursorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                return ApiProblems.BadRequest("invalid_query", "cursor is not one this API gave out; start without it.", "cursor");
            }

            before = last;
        }

        var page = await lister.HandleAsync(Actor(partner), id, before, size, http.RequestAborted);
        if (page.Error is not null)
        {
            return ApiProblems.From(page.Error);
        }

        return TypedResults.Ok(new WebhookDeliveryList(
            [.. page.Value!.Rows.Select(WebhookDeliveryItem.Of)],
            page.Value.NextBefore is { } next ? CursorPrefix + next.ToString(CultureInfo.InvariantCulture) : null));
    }

    private static async Task<IResult> RedeliverAsync(Guid id, long deliveryId, HttpContext http, PartnerContext partner, RedeliverWebhook redeliver)
    {
        var done = await redeliver.HandleAsync(Actor(partner), id, deliveryId, http.RequestAborted);
        return done.Error is not null
            ? ApiProblems.From(done.Error)
            : TypedResults.Accepted($"/api/v1/webhook-endpoints/{id}/deliveries", new QueuedDelivery(deliveryId));
    }

    private static async Task<IResult> VerifyAsync(Guid id, HttpContext http, PartnerContext partner, VerifyWebhookSignature verifier)
    {
        var bytes = await ApiBodyBytes.ReadAsync(http);
        if (bytes is null)
        {
            return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The request body is limited to {ApiBodyBytes.Limit(http)} bytes.");
        }

        string body;
        try
        {
            body = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return ApiProblems.BadRequest("malformed_body", "The body is not UTF-8, so it cannot be a Custos webhook.", "body");
        }

        var headers = http.Request.Headers;
        var checkedResult = await verifier.HandleAsync(
            Actor(partner), id, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), body,
            http.RequestAborted);
        if (checkedResult.Error is null)
        {
            return TypedResults.NoContent();
        }

        var status = checkedResult.Error is SignatureHeaderMissing or SignatureTimestampInvalid
            ? StatusCodes.Status400BadRequest
            : checkedResult.Error is SignatureTooOld or SignatureFromTheFuture or SignatureMismatch
                ? StatusCodes.Status422UnprocessableEntity
                : ApiProblems.StatusOf(checkedResult.Error, false);
        var field = checkedResult.Error.Field;
        return ApiProblems.Problem(status, checkedResult.Error.Code, checkedResult.Error.Message,
            field is null ? null : new Dictionary<string, string[]> { [field] = [checkedResult.Error.Message] });
    }
}

/// url is required; eventTypes omitted or empty: every type (also types added later).
public sealed record WebhookEndpointBody(string? Url = null, string? Description = null, IReadOnlyList<string>? EventTypes = null);

public sealed record WebhookEndpointUpdateBody(string? Url = null, string? Description = null, IReadOnlyList<string>? EventTypes = null, bool? Enabled = null);

/// A webhook endpoint. disabledReason: manual, or failing (Custos disabled it; enable it again by hand).
public sealed record WebhookEndpointResource(
    Guid Id, string Url, string Description, IReadOnlyList<string> EventTypes, bool AllEvents, bool Enabled, WebhookDisabledReason? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? SecretRotatedAt, DateTimeOffset? LastAttemptAt,
    string? LastResult, bool? LastSucceeded)
{
    public static WebhookEndpointResource Of(WebhookEndpointView e) => new(
        e.Id, e.Url, e.Description, e.EventTypes, e.AllEvents, e.Enabled, e.DisabledReason, e.DisabledAt, e.CreatedAt, e.CreatedBy,
        e.SecretRotatedAt, e.LastAttemptAt, e.LastResult, e.LastSucceeded);
}

public sealed record WebhookEndpointList(IReadOnlyList<WebhookEndpointResource> Items);

/// The endpoint and its signing secret: store the secret now, it is not shown again.
public sealed record IssuedWebhookEndpoint(WebhookEndpointResource Endpoint, string Secret)
{
    public static IssuedWebhookEndpoint Of(IssuedWebhookSecret issued) => new(WebhookEndpointResource.Of(issued.Endpoint), issued.Secret);
}

public sealed record QueuedDelivery(long DeliveryId);

/// One message's delivery to the endpoint. webhookId is the webhook-id header it is sent with.
public sealed record WebhookDeliveryItem(
    long Id, string WebhookId, string EventType, DateTimeOffset CreatedAt, WebhookDeliveryStatus Status, int Attempts,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastResult, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt)
{
    public static WebhookDeliveryItem Of(WebhookDeliveryRow r) => new(
        r.Id, r.WebhookId, r.EventType, r.CreatedAt, r.Status, r.Attempts, r.LastAttemptAt, r.LastStatusCode, r.LastResult, r.NextAttemptAt, r.DeliveredAt);
}

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryItem> Items, string? NextCursor);
