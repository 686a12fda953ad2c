using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

/// A partner's endpoints, newest first, and one of them by id (another partner's is not found).
public sealed class ListWebhookEndpoints(AppDbContext db)
{
    public const int MaxEndpoints = 50;

    public async Task<WebhookEndpointView[]> HandleAsync(WebhookActor actor, CancellationToken ct)
    {
        var endpoints = await db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.PartnerId == actor.PartnerId)
            .ToListAsync(ct);
        return [.. endpoints.OrderByDescending(e => e.CreatedAt).Select(WebhookEndpointView.Of)];
    }

    public async Task<Result<WebhookEndpointView>> GetAsync(WebhookActor actor, Guid endpointId, CancellationToken ct)
    {
        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == endpointId && e.PartnerId == actor.PartnerId, ct);
        return endpoint is null ? new NotFound("The webhook endpoint") : WebhookEndpointView.Of(endpoint);
    }
}
