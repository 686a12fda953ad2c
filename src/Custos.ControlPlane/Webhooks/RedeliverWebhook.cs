using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

/// "Redeliver": the message is due again at once for this endpoint (same webhook-id and body, a new
/// timestamp and signature), whether it was delivered, failed or still retrying.
public sealed class RedeliverWebhook(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(WebhookActor actor, Guid endpointId, long deliveryId, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, actor, endpointId, ct);
        var delivery = endpoint is null
            ? null
            : await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == endpointId, ct);
        if (endpoint is null || delivery is null)
        {
            return new NotFound("The delivery");
        }

        var now = clock.GetUtcNow();
        delivery.Redeliver(now);
        WebhookAudit.Add(db, AuditEventType.WebhookRedelivered, actor.Actor, now, endpoint, null,
            new { endpointId, deliveryId, webhookId = "msg_" + delivery.MessageId.ToString("N") });
        return await WebhookAudit.SaveAsync(db, ct);
    }
}
