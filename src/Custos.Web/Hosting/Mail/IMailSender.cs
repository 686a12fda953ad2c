using Custos.Domain.Mail;

namespace Custos.Web.Hosting.Mail;

/// A transport: opens one connection to where mail goes (an SMTP server, the mail folder), through
/// which the delivery job hands over the messages of a run.
public interface IMailSender
{
    /// Throws <see cref="MailDeliveryException"/> (<see cref="MailFailure.ServerUnavailable"/>) when the server cannot be reached.
    Task<IMailConnection> ConnectAsync(CancellationToken ct);
}

public interface IMailConnection : IAsyncDisposable
{
    /// Returns once the server accepted the message (for SMTP: 250 after DATA). The message keeps
    /// <paramref name="messageId"/>, so a resend is recognisable as the same message. Throws
    /// <see cref="MailDeliveryException"/> when it was not accepted.
    Task SendAsync(OutgoingMail message, string messageId, CancellationToken ct);
}

public enum MailFailure
{
    /// Worth another try later (4xx, a dropped connection during the message).
    Transient,

    /// The server refused the recipient or the message for good (5xx): trying again changes nothing.
    Permanent,

    /// The server is down, unreachable or too slow: the run stops, the rest waits for the next one.
    ServerUnavailable,
}

/// A message the transport could not hand over, and whether trying again can help.
public sealed class MailDeliveryException(string message, MailFailure failure, Exception? inner = null) : Exception(message, inner)
{
    public MailFailure Failure { get; } = failure;
}
