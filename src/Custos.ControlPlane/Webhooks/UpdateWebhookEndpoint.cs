using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Webhooks;

public sealed record UpdateWebhookEndpointRequest(
    WebhookActor Actor, Guid EndpointId, string? Url, string? Description, IReadOnlyList<string>? EventTypes, int? ExpectedVersion);

/// Changes an endpoint's address, description or events. <see cref="UpdateWebhookEndpointRequest.ExpectedVersion"/>
/// (the API's If-Match) refuses a change made on a stale copy.
public sealed class UpdateWebhookEndpoint(AppDbContext db, TimeProvider clock, WebhookSettings settings)
{
    public async Task<Result<WebhookEndpointView>> HandleAsync(UpdateWebhookEndpointRequest request, CancellationToken ct)
    {
        var endpoint = await WebhookAudit.FindAsync(db, request.Actor, request.EndpointId, ct);
        if (endpoint is null)
        {
            return new NotFound("The webhook endpoint");
        }

        if (request.ExpectedVersion is { } expected && expected != endpoint.Version)
        {
            return new WebhookEndpointChangedMeanwhile();
        }

        var input = WebhookInput.Check(request.Url, request.Description, request.EventTypes, settings);
        if (input.Error is not null)
        {
            return input.Error;
        }

        var before = WebhookAudit.Describe(endpoint);
        var (url, description, events) = input.Value;
        if (!endpoint.Update(url, description, events))
        {
            return WebhookEndpointView.Of(endpoint);
        }

        WebhookAudit.Add(db, AuditEventType.WebhookEndpointUpdated, request.Actor.Actor, clock.GetUtcNow(), endpoint, before);
        var saved = await WebhookAudit.SaveAsync(db, ct);
        return saved.Error is not null ? saved.Error : WebhookEndpointView.Of(endpoint);
    }
}
