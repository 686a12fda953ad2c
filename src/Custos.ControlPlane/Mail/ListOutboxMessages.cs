using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Mail;

public sealed record OutboxRow(
    Guid Id, string Kind, string ToAddress, string Subject, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt, DateTimeOffset? FailedAt, string? LastError);

/// What the operator sees of the mail: every failed message and every one waiting for a retry
/// (those with an attempt behind them), oldest first, and the latest sent ones.
public sealed record OutboxOverview(OutboxRow[] Failed, OutboxRow[] Retrying, OutboxRow[] RecentlySent, int Waiting);

public sealed class ListOutboxMessages(AppDbContext db)
{
    public const int Limit = 200;
    public const int RecentSent = 20;

    public async Task<Result<OutboxOverview>> HandleAsync(ActingUser acting, CancellationToken ct)
    {
        if (await MailAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        var messages = db.OutboxMessages.AsNoTracking();
        var failed = await Rows(messages.Where(m => m.FailedAt != null).OrderByDescending(m => m.FailedAt).Take(Limit), ct);
        var retrying = await Rows(
            messages.Where(m => m.SentAt == null && m.FailedAt == null && m.Attempts > 0).OrderBy(m => m.NextAttemptAt).Take(Limit), ct);
        var sent = await Rows(messages.Where(m => m.SentAt != null).OrderByDescending(m => m.SentAt).Take(RecentSent), ct);
        var waiting = await messages.CountAsync(m => m.SentAt == null && m.FailedAt == null && m.Attempts == 0, ct);
        return new OutboxOverview(failed, retrying, sent, waiting);
    }

    private static Task<OutboxRow[]> Rows(IQueryable<Domain.Mail.OutboxMessage> query, CancellationToken ct) =>
        query.Select(m => new OutboxRow(m.Id, m.Kind, m.ToAddress, m.Subject, m.Attempts, m.CreatedAt, m.NextAttemptAt, m.SentAt, m.FailedAt, m.LastError))
            .ToArrayAsync(ct);
}
