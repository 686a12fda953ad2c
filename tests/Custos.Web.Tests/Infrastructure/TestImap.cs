using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Custos.Web.Tests.Infrastructure;

/// A mailbox user of its own on the Dovecot server the test script starts (CUSTOS_TEST_IMAP; users in
/// CUSTOS_TEST_IMAP_USERS), with a few messages in its INBOX.
public sealed record TestImapUser(string Host, int Port, string UserName, string Password)
{
    private static readonly Lock UsersFile = new();

    public static async Task<TestImapUser> CreateAsync(int messages)
    {
        var server = Environment.GetEnvironmentVariable("CUSTOS_TEST_IMAP");
        var users = Environment.GetEnvironmentVariable("CUSTOS_TEST_IMAP_USERS");
        if (string.IsNullOrWhiteSpace(server) || string.IsNullOrWhiteSpace(users))
        {
            throw new InvalidOperationException("CUSTOS_TEST_IMAP and CUSTOS_TEST_IMAP_USERS are not set: run ./test.sh, which starts Dovecot.");
        }

        var parts = server.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var user = new TestImapUser(parts["Host"], int.Parse(parts["Port"], System.Globalization.CultureInfo.InvariantCulture),
            "w" + Guid.NewGuid().ToString("N")[..12], "pw-" + Guid.NewGuid().ToString("N"));
        lock (UsersFile)
        {
            File.AppendAllText(users, $"{user.UserName}:{{PLAIN}}{user.Password}\n");
        }

        using var client = await SignInAsync(user);
        for (var i = 0; i < messages; i++)
        {
            var message = new MimeMessage { Subject = $"Test {i}" };
            message.From.Add(MailboxAddress.Parse("sender@example.test"));
            message.To.Add(MailboxAddress.Parse("owner@example.test"));
            message.Body = new TextPart("plain") { Text = $"Message {i}" };
            await client.Inbox.AppendAsync(new MailKit.AppendRequest(message));
        }

        await client.DisconnectAsync(true);
        return user;
    }

    /// Dovecot rereads its password file at most about once a second: a user added a moment ago
    /// may be refused briefly, so setup retries for a few seconds.
    private static async Task<ImapClient> SignInAsync(TestImapUser user)
    {
        for (var attempt = 1; ; attempt++)
        {
            var client = new ImapClient();
            try
            {
                await client.ConnectAsync(user.Host, user.Port, SecureSocketOptions.None);
                await client.AuthenticateAsync(user.UserName, user.Password);
                return client;
            }
            catch (AuthenticationException) when (attempt < 20)
            {
                client.Dispose();
                await Task.Delay(250);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
    }
}
