using Custos.Data;
using Custos.Domain.Mail;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Hosting.Mail;

/// What one delivery run did.
public sealed record DeliveryRun(int Sent, int Failed, int Retrying, bool ServerUnavailable)
{
    public bool DidAnything => Sent + Failed + Retrying > 0;
}

/// Delivers due outbox messages (see README.md beside this file): claim one message (its attempt
/// saved first), hand it to the transport, then save the outcome. A permanent refusal fails that
/// message alone; a server that is down or too slow ends the run, and the rest waits for the next one.
public sealed class OutboxDelivery(AppDbContext db, IMailSender sender, TimeProvider clock, CustosOptions options, ILogger<OutboxDelivery> log)
{
    /// A bound on the batches of one run, so a run always ends; the next run goes on.
    private const int MaxBatches = 50;

    private CustosOptions.DeliveryOptions Settings => options.Mail.Delivery;

    public DeliveryRetry Retry => new(
        TimeSpan.FromSeconds(Settings.FirstRetrySeconds), TimeSpan.FromSeconds(Settings.MaxRetrySeconds), TimeSpan.FromHours(Settings.GiveUpAfterHours));

    public async Task<DeliveryRun> RunAsync(CancellationToken ct)
    {
        var retry = Retry;
        int sent = 0, failed = 0, retrying = 0;
        IMailConnection? connection = null;
        try
        {
            for (var batch = 0; batch < MaxBatches; batch++)
            {
                db.ChangeTracker.Clear();
                var now = clock.GetUtcNow();
                var due = await db.OutboxMessages
                    .Where(m => m.SentAt == null && m.FailedAt == null && m.NextAttemptAt <= now)
                    .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id)
                    .Take(Math.Max(1, Settings.BatchSize))
                    .ToListAsync(ct);
                foreach (var message in due)
                {
                    if (!await ClaimAsync(message, retry, ct))
                    {
                        continue;
                    }

                    try
                    {
                        connection ??= await sender.ConnectAsync(ct);
                        await connection.SendAsync(message.Content, message.MessageId, ct);
                    }
                    catch (MailDeliveryException e)
                    {
                        log.LogWarning(e, "Mail {MessageId} to {To} not delivered (attempt {Attempt}): {Error}", message.MessageId, message.ToAddress, message.Attempts, e.Message);
                        message.RecordFailure(clock.GetUtcNow(), e.Message, e.Failure == MailFailure.Permanent, retry);
                        await SaveFailureAsync(message, ct);
                        if (message.FailedAt is null)
                        {
                            retrying++;
                        }
                        else
                        {
                            failed++;
                        }

                        // The connection may be in any state now; the next message gets a fresh one.
                        if (connection is not null)
                        {
                            await connection.DisposeAsync();
                            connection = null;
                        }

                        if (e.Failure == MailFailure.ServerUnavailable)
                        {
                            return new DeliveryRun(sent, failed, retrying, ServerUnavailable: true);
                        }

                        continue;
                    }

                    await SaveSentAsync(message, ct);
                    sent++;
                }

                if (due.Count < Settings.BatchSize)
                {
                    break;
                }
            }

            return new DeliveryRun(sent, failed, retrying, ServerUnavailable: false);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// Counts the attempt and schedules the next before anything is sent. False when another run
    /// (another node) changed the message since it was read: that run has it.
    private async Task<bool> ClaimAsync(OutboxMessage message, DeliveryRetry retry, CancellationToken ct)
    {
        if (message.BeginAttempt(clock.GetUtcNow(), retry).Error is not null)
        {
            return false;
        }

        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.Entry(message).State = EntityState.Detached;
            return false;
        }
    }

    /// The server has the message: record it, even when the row changed meanwhile (an operator's
    /// "Retry now"), or it would be sent again.
    private async Task SaveSentAsync(OutboxMessage message, CancellationToken ct)
    {
        for (var tries = 0; ; tries++)
        {
            message.RecordSent(clock.GetUtcNow());
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateConcurrencyException) when (tries < 3)
            {
                await db.Entry(message).ReloadAsync(ct);
            }
        }
    }

    /// A failure that lost a race to another change (an operator's "Retry now") is not recorded: that change wins.
    private async Task SaveFailureAsync(OutboxMessage message, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.Entry(message).State = EntityState.Detached;
        }
    }
}
