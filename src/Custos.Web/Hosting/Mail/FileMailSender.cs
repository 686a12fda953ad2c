using Custos.Domain.Mail;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

/// Where <see cref="FileMailSender"/> writes its .eml files: `{DataPath}/mail`.
public sealed record MailFolder(string Path);

/// The first-run transport: every message becomes an .eml file in the mail folder, so Custos runs
/// without an SMTP server and a person (or a test) can open what would have been sent.
public sealed class FileMailSender(MailFolder folder, CustosOptions options, TimeProvider clock, ILogger<FileMailSender> log)
    : IMailSender, IMailConnection
{
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.Mail.From);

    public Task<IMailConnection> ConnectAsync(CancellationToken ct) => Task.FromResult<IMailConnection>(this);

    public async Task SendAsync(OutgoingMail message, string messageId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        using var mime = MailMime.Build(message, messageId, _from, now);
        try
        {
            Directory.CreateDirectory(folder.Path);
            var name = $"{now:yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}.eml";
            var path = Path.Combine(folder.Path, name);

            // Written under a temporary name and renamed, so a reader never sees half a message.
            var partial = path + ".partial";
            await mime.WriteToAsync(partial, ct);
            File.Move(partial, path);
            log.LogInformation("Mail \"{Subject}\" to {To} written to {File}", message.Subject, message.To, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk or a read-only folder: like a server that is down, the messages wait.
            throw new MailDeliveryException($"The mail folder {folder.Path} cannot be written: {e.Message}", MailFailure.ServerUnavailable, e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
