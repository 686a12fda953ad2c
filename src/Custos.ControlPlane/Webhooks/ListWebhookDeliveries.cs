using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

/// One row of an endpoint's delivery log.
public sealed record WebhookDeliveryRow(
    long Id, Guid MessageId, string WebhookId, string EventType, DateTimeOffset CreatedAt, WebhookDeliveryStatus Status, int Attempts,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastResult, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

/// A page of the log; <see cref="NextBefore"/> continues it (keyset on the delivery's number).
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryRow> Rows, long? NextBefore);

/// One attempt of a delivery, for the log's detail.
public sealed record WebhookAttemptRow(DateTimeOffset At, int? StatusCode, string? Error, int DurationMs, string? ResponseExcerpt);

/// An endpoint's deliveries, newest first, a page at a time; only the endpoint's own partner sees them.
public sealed class ListWebhookDeliveries(AppDbContext db)
{
    public const int PageSize = 25;

    public async Task<Result<WebhookDeliveryPage>> HandleAsync(WebhookActor actor, Guid endpointId, long? before, int pageSize, CancellationToken ct)
    {
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == endpointId && e.PartnerId == actor.PartnerId, ct))
        {
            return new NotFound("The webhook endpoint");
        }

        var size = Math.Clamp(pageSize, 1, 100);
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpointId && d.PartnerId == actor.PartnerId);
        if (before is { } last)
        {
            query = query.Where(d => d.Id < last);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(size + 1)
            .Join(db.WebhookMessages, d => d.MessageId, m => m.Id, (d, m) => new { d, m.Type })
            .ToListAsync(ct);
        var page = rows.OrderByDescending(r => r.d.Id).Take(size).Select(r => new WebhookDeliveryRow(
            r.d.Id, r.d.MessageId, "msg_" + r.d.MessageId.ToString("N"), r.Type, r.d.CreatedAt, r.d.Status, r.d.Attempts, r.d.LastAttemptAt,
            r.d.LastStatusCode, r.d.LastResult, r.d.Status == WebhookDeliveryStatus.Pending ? r.d.NextAttemptAt : null, r.d.DeliveredAt)).ToList();
        return new WebhookDeliveryPage(page, rows.Count > size ? page[^1].Id : null);
    }

    /// The attempts of one delivery, newest first.
    public async Task<Result<WebhookAttemptRow[]>> AttemptsAsync(WebhookActor actor, Guid endpointId, long deliveryId, CancellationToken ct)
    {
        if (!await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId && d.EndpointId == endpointId && d.PartnerId == actor.PartnerId, ct))
        {
            return new NotFound("The delivery");
        }

        return await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId)
            .OrderByDescending(a => a.Id)
            .Select(a => new WebhookAttemptRow(a.At, a.StatusCode, a.Error, a.DurationMs, a.ResponseExcerpt))
            .ToArrayAsync(ct);
    }
}
