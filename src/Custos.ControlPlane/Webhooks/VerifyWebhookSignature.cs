using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

/// Checks a delivery as a receiver got it (its three headers and raw body) against an endpoint's
/// secrets: genuine, and signed within 5 minutes of now.
public sealed class VerifyWebhookSignature(AppDbContext db, WebhookSecrets secrets, TimeProvider clock)
{
    public async Task<Result> HandleAsync(
        WebhookActor actor, Guid endpointId, string? webhookId, string? timestamp, string? signature, string body, CancellationToken ct)
    {
        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == endpointId && e.PartnerId == actor.PartnerId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        var now = clock.GetUtcNow();
        return WebhookSignature.Verify(endpoint.ProtectedSigningSecrets(now).Select(secrets.Unprotect), webhookId, timestamp, signature, body, now);
    }
}
