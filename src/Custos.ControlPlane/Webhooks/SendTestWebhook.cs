using System.Text.Json.Nodes;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Webhooks;

namespace Custos.ControlPlane.Webhooks;

/// Queues a `webhook.test` message for one endpoint (only that one), delivered like any other.
public sealed class SendTestWebhook(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<long>> HandleAsync(WebhookActor actor, Guid endpointId, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, actor, endpointId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        if (!endpoint.Enabled)
        {
            return new WebhookEndpointDisabled();
        }

        var now = clock.GetUtcNow();
        var body = Data.Webhooks.WebhookPayload.Envelope(WebhookEvents.Test, now, new JsonObject
        {
            ["endpointId"] = endpoint.Id.ToString(),
            ["partnerId"] = endpoint.PartnerId.ToString(),
            ["requestedBy"] = actor.Actor.Name,
        });
        var message = WebhookMessage.Create(WebhookEvents.Test, body, null, now);
        var delivery = WebhookDelivery.Create(message, endpoint.Id, endpoint.PartnerId, now);
        db.WebhookMessages.Add(message);
        db.WebhookDeliveries.Add(delivery);
        WebhookAudit.Add(db, AuditEventType.WebhookTestSent, actor.Actor, now, endpoint, null, new { endpointId, webhookId = message.WebhookId });
        var saved = await WebhookAudit.SaveAsync(db, ct);
        return saved.Error is not null ? saved.Error : delivery.Id;
    }
}
