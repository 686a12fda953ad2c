using Custos.Web.Hosting.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Custos.Web.Tests.Infrastructure;

/// What a host without SMTP delivered: the .eml files its delivery job wrote to the mail folder.
public static class DeliveredMail
{
    /// Waits until the outbox holds nothing pending (everything written so far was delivered), then
    /// returns the messages to <paramref name="email"/>, oldest first. An empty answer is meaningful:
    /// the message would have been delivered by now.
    public static async Task<List<MimeMessage>> ToAsync(CustosApp app, string email)
    {
        await Eventually.Async(
            () => app.InDatabaseAsync(db => db.OutboxMessages.CountAsync(m => m.SentAt == null && m.FailedAt == null)),
            pending => pending == 0, "the outbox to be delivered");
        var folder = app.Services.GetRequiredService<MailFolder>().Path;
        return !Directory.Exists(folder)
            ? []
            : [.. Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)
                .Select(f => MimeMessage.Load(f))
                .Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, email, StringComparison.OrdinalIgnoreCase)))];
    }
}
