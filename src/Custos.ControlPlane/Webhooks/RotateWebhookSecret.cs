using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Webhooks;

namespace Custos.ControlPlane.Webhooks;

/// A new signing secret, returned once. For 24 hours deliveries carry signatures with both the new
/// and the previous secret, so a receiver can switch over without rejecting anything.
public sealed class RotateWebhookSecret(AppDbContext db, TimeProvider clock, WebhookSecrets secrets)
{
    public async Task<Result<IssuedWebhookSecret>> HandleAsync(WebhookActor actor, Guid endpointId, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, actor, endpointId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        var before = WebhookAudit.Describe(endpoint);
        var now = clock.GetUtcNow();
        var secret = WebhookSignature.NewSecret();
        endpoint.RotateSecret(secrets.Protect(secret), now);
        WebhookAudit.Add(db, AuditEventType.WebhookSecretRotated, actor.Actor, now, endpoint, before);
        var saved = await WebhookAudit.SaveAsync(db, ct);
        return saved.Error is not null ? saved.Error : new IssuedWebhookSecret(WebhookEndpointView.Of(endpoint), secret);
    }
}
