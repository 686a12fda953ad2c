namespace Custos.Domain.Mail;

/// One message to one person, in both HTML and plain text. Plain strings only, so the outbox can
/// store it as it is.
public sealed record OutgoingMail(string To, string Subject, string TextBody, string HtmlBody)
{
    /// The recipient's name, shown beside the address; optional.
    public string? ToName { get; init; }

    /// The sender's display name (a partner's name for mail about its organizations); the sender
    /// address is always the configured one. Null: the configured sender as it is.
    public string? FromName { get; init; }
}
