namespace Custos.Web.Hosting.Mail;

/// One message to one person, in both HTML and plain text. Plain strings only, so a persistent
/// outbox can store it as it is.
public sealed record OutgoingMail(string To, string Subject, string TextBody, string HtmlBody)
{
    /// The recipient's name, shown beside the address; optional.
    public string? ToName { get; init; }
}

/// Hands a message over for delivery. Returning means the message is stored, not that it arrived.
public interface IMailSender
{
    Task SendAsync(OutgoingMail message, CancellationToken ct);
}
