using System.Text.Json;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Mail;

/// The operator makes a failed or retrying message due now; the delivery job takes it on its next
/// run. A sent message is never sent again. Audited.
public sealed class RetryOutboxMessage(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<string>> HandleAsync(ActingUser acting, Guid messageId, CancellationToken ct)
    {
        if (await MailAdministration.RequireOperatorAsync(db, acting, ct) is { } refused)
        {
            return refused;
        }

        var message = await db.OutboxMessages.SingleOrDefaultAsync(m => m.Id == messageId, ct);
        if (message is null)
        {
            return new NotFound("The message");
        }

        var now = clock.GetUtcNow();
        var before = Describe(message);
        var retried = message.RetryNow(now);
        if (retried.Error is not null)
        {
            return retried.Error;
        }

        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.OutboxMessageRetried, acting.Actor, now, message.PartnerId, message.OrganizationId, before, Describe(message)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new ConcurrentChange();
        }

        return message.ToAddress;
    }

    private static string Describe(Domain.Mail.OutboxMessage m) => JsonSerializer.Serialize(new
    {
        message = m.Id,
        kind = m.Kind,
        to = m.ToAddress,
        attempts = m.Attempts,
        nextAttemptAt = m.NextAttemptAt,
        failedAt = m.FailedAt,
        lastError = m.LastError,
    });
}

/// Only the platform operator sees and retries the platform's mail.
public sealed record MailOperatorOnly() : Error("operator_only", "Only the platform operator can see and retry the platform's mail.");

public static class MailAdministration
{
    public static async Task<Error?> RequireOperatorAsync(AppDbContext db, ActingUser acting, CancellationToken ct) =>
        await db.Users.AsNoTracking().AnyAsync(u => u.Id == acting.UserId && u.IsOperator, ct) ? null : new MailOperatorOnly();
}
