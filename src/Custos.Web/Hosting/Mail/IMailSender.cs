using Custos.Domain.Mail;

namespace Custos.Web.Hosting.Mail;

/// Hands a message over for delivery. Returning means the message is stored, not that it arrived.
public interface IMailSender
{
    Task SendAsync(OutgoingMail message, CancellationToken ct);
}
