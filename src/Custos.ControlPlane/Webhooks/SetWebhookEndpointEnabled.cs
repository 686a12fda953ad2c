using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Webhooks;

namespace Custos.ControlPlane.Webhooks;

/// Turns an endpoint on or off by hand. Turning on is also the only way back from an automatic
/// disable; deliveries still pending then resume.
public sealed class SetWebhookEndpointEnabled(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<WebhookEndpointView>> HandleAsync(WebhookActor actor, Guid endpointId, bool enabled, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, actor, endpointId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        var before = WebhookAudit.Describe(endpoint);
        var now = clock.GetUtcNow();
        if (!(enabled ? endpoint.Enable() : endpoint.Disable(WebhookDisabledReason.Manual, now)))
        {
            return WebhookEndpointView.Of(endpoint);
        }

        WebhookAudit.Add(db, enabled ? AuditEventType.WebhookEndpointEnabled : AuditEventType.WebhookEndpointDisabled, actor.Actor, now, endpoint, before);
        var saved = await WebhookAudit.SaveAsync(db, ct);
        return saved.Error is not null ? saved.Error : WebhookEndpointView.Of(endpoint);
    }
}
