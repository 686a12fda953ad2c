using Custos.Domain.Mail;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

/// The MIME form of a message, the same for every transport.
public static class MailMime
{
    /// multipart/alternative with the plain text first. The sender is the configured address; the
    /// message's <see cref="OutgoingMail.FromName"/> (a partner's name), when set, replaces its display name.
    public static MimeMessage Build(OutgoingMail message, string messageId, MailboxAddress from, DateTimeOffset date)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = date,
            MessageId = messageId.Trim('<', '>'),
        };
        mime.From.Add(string.IsNullOrWhiteSpace(message.FromName) ? from : new MailboxAddress(message.FromName, from.Address));
        mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
        mime.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }
}
