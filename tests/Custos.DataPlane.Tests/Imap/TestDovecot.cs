using System.Text;
using Custos.Domain.Backup;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace Custos.DataPlane.Tests.Imap;

/// The Dovecot server the test script starts (CUSTOS_TEST_IMAP, users in CUSTOS_TEST_IMAP_USERS).
/// Each test makes its own user, so tests never see each other's mail. Without the variables
/// every IMAP test fails: backups are tested against a real server, never a fake.
public static class TestDovecot
{
    public const string ServerVariable = "CUSTOS_TEST_IMAP";
    public const string UsersVariable = "CUSTOS_TEST_IMAP_USERS";
    private static readonly Lock UsersFile = new();

    public static (string Host, int Port) Server
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(ServerVariable);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException(
                    $"{ServerVariable} is not set, so the IMAP tests cannot run: run ./test.sh, which starts Dovecot.");
            }

            var parts = value.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            return (parts["Host"], int.Parse(parts["Port"], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// A new mailbox user with a random password; returns its endpoint.
    public static ImapEndpoint CreateUser()
    {
        var users = Environment.GetEnvironmentVariable(UsersVariable)
            ?? throw new InvalidOperationException($"{UsersVariable} is not set: run ./test.sh, which starts Dovecot.");
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        lock (UsersFile)
        {
            File.AppendAllText(users, $"{name}:{{PLAIN}}{password}\n");
        }

        var (host, port) = Server;
        return new ImapEndpoint(host, port, ImapSecurity.None, name, password);
    }

    /// Signs in as a test user. Dovecot rereads its password file at most about once a second, so a
    /// user added a moment ago may be refused briefly: setup retries for a few seconds.
    public static async Task<ImapClient> ConnectAsync(ImapEndpoint user)
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

    /// Appends messages to a folder (created when missing; "Projects.2026" is a subfolder: the
    /// server's hierarchy separator is "."); returns each message as the server now
    /// serves it, which is exactly what a backup must give back.
    public static async Task<List<byte[]>> AppendAsync(ImapEndpoint user, string folderName, IEnumerable<byte[]> messages)
    {
        using var client = await ConnectAsync(user);
        var folder = await OpenOrCreateAsync(client, folderName);
        var uids = new List<UniqueId>();
        foreach (var raw in messages)
        {
            using var parsed = MimeMessage.Load(new MemoryStream(raw));
            var uid = await folder.AppendAsync(new AppendRequest(parsed));
            uids.Add(uid ?? throw new InvalidOperationException("The server did not report the appended message's UID."));
        }

        await folder.OpenAsync(FolderAccess.ReadOnly);
        var served = new List<byte[]>();
        foreach (var uid in uids)
        {
            await using var stream = await folder.GetStreamAsync(uid, string.Empty);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            served.Add(copy.ToArray());
        }

        await client.DisconnectAsync(true);
        return served;
    }

    public static async Task<IMailFolder> OpenOrCreateAsync(ImapClient client, string folderName)
    {
        if (folderName.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return client.Inbox;
        }

        var current = client.GetFolder(client.PersonalNamespaces[0]);
        foreach (var part in folderName.Split(client.PersonalNamespaces[0].DirectorySeparator))
        {
            var subfolders = await current.GetSubfoldersAsync();
            current = subfolders.FirstOrDefault(f => f.Name == part)
                ?? await current.CreateAsync(part, isMessageFolder: true)
                ?? throw new InvalidOperationException($"Could not create folder {part}.");
        }

        return current;
    }

    /// A small but varied message; <paramref name="n"/> makes it unique.
    public static byte[] Message(int n, string? subject = null, int attachmentBytes = 0)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Sender " + n, $"sender{n}@example.test"));
        message.To.Add(new MailboxAddress("Owner", "owner@example.test"));
        message.Subject = subject ?? $"Message {n} — ünïcødé ✓";
        message.Date = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero).AddMinutes(n);
        message.MessageId = $"m{n}.{Guid.NewGuid():N}@example.test";
        var body = new BodyBuilder { TextBody = $"Body of message {n}.\r\nSecond line.\r\n" };
        if (attachmentBytes > 0)
        {
            var data = new byte[attachmentBytes];
            new Random(n).NextBytes(data);
            body.Attachments.Add($"file{n}.bin", data);
        }

        message.Body = body.ToMessageBody();
        using var stream = new MemoryStream();
        var crlf = FormatOptions.Default.Clone();
        crlf.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(crlf, stream);
        return stream.ToArray();
    }

    public static string Text(byte[] raw) => Encoding.UTF8.GetString(raw);
}
