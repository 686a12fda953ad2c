using Custos.Domain.Mail;
using MimeKit;
using MimeKit.Utils;

namespace Custos.Web.Hosting.Mail;

/// Where <see cref="FileMailSender"/> writes its .eml files: `{DataPath}/mail`.
public sealed record MailFolder(string Path);

/// The first-run transport: every message becomes an .eml file in the mail folder, so Custos runs
/// without an SMTP server and a person (or a test) can open what would have been sent.
public sealed class FileMailSender(MailFolder folder, CustosOptions options, TimeProvider clock, ILogger<FileMailSender> log)
    : IMailSender
{
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.Mail.From);

    public async Task SendAsync(OutgoingMail message, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        using var mime = ToMime(message, _from, now);
        Directory.CreateDirectory(folder.Path);
        var name = $"{now:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(folder.Path, name);

        // Written under a temporary name and renamed, so a reader never sees half a message.
        var partial = path + ".partial";
        await mime.WriteToAsync(partial, ct);
        File.Move(partial, path);
        log.LogInformation("Mail \"{Subject}\" to {To} written to {File}", message.Subject, message.To, path);
    }

    /// The MIME form of a message: multipart/alternative with the plain text first.
    public static MimeMessage ToMime(OutgoingMail message, MailboxAddress from, DateTimeOffset date)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = date,
            MessageId = MimeUtils.GenerateMessageId(from.Domain),
        };
        mime.From.Add(from);
        mime.To.Add(new MailboxAddress(message.ToName ?? "", message.To));
        mime.Headers.Add(HeaderId.AutoSubmitted, "auto-generated");
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }
}
