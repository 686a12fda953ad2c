using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

public sealed record CreateWebhookEndpointRequest(WebhookActor Actor, string? Url, string? Description, IReadOnlyList<string>? EventTypes);

/// Registers an endpoint for the acting partner with a new signing secret, returned here once;
/// the database keeps it only encrypted.
public sealed class CreateWebhookEndpoint(AppDbContext db, TimeProvider clock, WebhookSecrets secrets, WebhookSettings settings)
{
    public async Task<Result<IssuedWebhookSecret>> HandleAsync(CreateWebhookEndpointRequest request, CancellationToken ct)
    {
        var input = WebhookInput.Check(request.Url, request.Description, request.EventTypes, settings);
        if (input.Error is not null)
        {
            return input.Error;
        }

        if (await db.WebhookEndpoints.CountAsync(e => e.PartnerId == request.Actor.PartnerId, ct) >= ListWebhookEndpoints.MaxEndpoints)
        {
            return new ValidationFailed("url", $"A partner can have at most {ListWebhookEndpoints.MaxEndpoints} webhook endpoints; delete one first.");
        }

        var (url, description, events) = input.Value;
        var now = clock.GetUtcNow();
        var secret = WebhookSignature.NewSecret();
        var endpoint = WebhookEndpoint.Create(request.Actor.PartnerId, url, description, events, secrets.Protect(secret), request.Actor.Actor.Name, now);
        db.WebhookEndpoints.Add(endpoint);
        WebhookAudit.Add(db, AuditEventType.WebhookEndpointCreated, request.Actor.Actor, now, endpoint, null);
        await db.SaveChangesAsync(ct);
        return new IssuedWebhookSecret(WebhookEndpointView.Of(endpoint), secret);
    }
}
