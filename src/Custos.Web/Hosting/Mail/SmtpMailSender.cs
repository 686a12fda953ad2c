using System.Net.Sockets;
using Custos.Domain.Mail;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

/// Hands messages to the configured SMTP server (Custos:Mail:Smtp) with MailKit, one connection per
/// delivery run. A message counts as sent only when the server answered 250 to its DATA.
public sealed class SmtpMailSender(CustosOptions options, TimeProvider clock, ILogger<SmtpMailSender> log) : IMailSender
{
    private readonly MailboxAddress _from = MailboxAddress.Parse(options.Mail.From);
    private readonly TimeProvider _clock = clock;
    private readonly ILogger _log = log;

    private CustosOptions.SmtpOptions Smtp => options.Mail.Smtp;

    public async Task<IMailConnection> ConnectAsync(CancellationToken ct)
    {
        var client = new SmtpClient { Timeout = (int)TimeSpan.FromSeconds(Smtp.ConnectTimeoutSeconds).TotalMilliseconds };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(Smtp.ConnectTimeoutSeconds));
        try
        {
            await client.ConnectAsync(Smtp.Host, Smtp.EffectivePort, SecurityOf(Smtp.Security), limit.Token);
            if (Smtp.UserName.Length > 0)
            {
                await client.AuthenticateAsync(Smtp.UserName, Smtp.Password, limit.Token);
            }

            client.Timeout = (int)TimeSpan.FromSeconds(Smtp.CommandTimeoutSeconds).TotalMilliseconds;
            return new Connection(this, client);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not MailDeliveryException)
        {
            client.Dispose();
            var reason = e is OperationCanceledException ? $"no answer within {Smtp.ConnectTimeoutSeconds} s" : e.Message;
            throw new MailDeliveryException($"Cannot connect to the SMTP server {Smtp.Host}:{Smtp.EffectivePort}: {reason}", MailFailure.ServerUnavailable, e);
        }
    }

    private static SecureSocketOptions SecurityOf(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    private sealed class Connection(SmtpMailSender sender, SmtpClient client) : IMailConnection
    {
        public async Task SendAsync(OutgoingMail message, string messageId, CancellationToken ct)
        {
            var timeout = TimeSpan.FromSeconds(sender.Smtp.CommandTimeoutSeconds);
            using var mime = MailMime.Build(message, messageId, sender._from, sender._clock.GetUtcNow());

            // MailKit times out each command by itself; this bounds the whole exchange (MAIL, RCPT, DATA) as well.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout * 4);
            try
            {
                var answer = await client.SendAsync(mime, limit.Token);
                sender._log.LogInformation("Mail {MessageId} \"{Subject}\" to {To} accepted: {Answer}", messageId, message.Subject, message.To, answer);
            }
            catch (SmtpCommandException e)
            {
                var code = (int)e.StatusCode;
                var what = e.ErrorCode switch
                {
                    SmtpErrorCode.RecipientNotAccepted => $"The server refused the recipient {message.To}",
                    SmtpErrorCode.SenderNotAccepted => "The server refused the sender",
                    SmtpErrorCode.MessageNotAccepted => "The server refused the message",
                    _ => "The server answered with an error",
                };
                throw new MailDeliveryException($"{what}: {code} {e.Message}", code >= 500 ? MailFailure.Permanent : MailFailure.Transient, e);
            }
            catch (Exception e) when (!ct.IsCancellationRequested
                && e is OperationCanceledException or TimeoutException or IOException or SocketException
                    or SmtpProtocolException or ServiceNotConnectedException or SslHandshakeException or AuthenticationException)
            {
                var reason = e is OperationCanceledException or TimeoutException ? $"no answer within {timeout.TotalSeconds:0} s" : e.Message;
                throw new MailDeliveryException($"The SMTP server stopped answering: {reason}", MailFailure.ServerUnavailable, e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (client.IsConnected)
                {
                    using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await client.DisconnectAsync(true, limit.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or SmtpProtocolException or SmtpCommandException or TimeoutException)
            {
                // QUIT is a courtesy: every message of the run already has its answer.
            }
            finally
            {
                client.Dispose();
            }
        }
    }
}
