using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Webhooks;

/// Deletes an endpoint with its deliveries and their log; nothing more is sent to it.
public sealed class DeleteWebhookEndpoint(AppDbContext db, TimeProvider clock)
{
    public async Task<Result> HandleAsync(WebhookActor actor, Guid endpointId, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, actor, endpointId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        var before = WebhookAudit.Describe(endpoint);
        db.WebhookEndpoints.Remove(endpoint);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.WebhookEndpointDeleted, actor.Actor, clock.GetUtcNow(), endpoint.PartnerId, null, before, null));
        return await WebhookAudit.SaveAsync(db, ct);
    }
}
