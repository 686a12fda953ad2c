using Custos.Domain.Backup;
using MailKit;
using MailKit.Net.Imap;

namespace Custos.DataPlane.Connectors.Imap;

/// The result of "Test connection": either what Custos found in the mailbox, or what is wrong.
public sealed record ImapTestResult(ImapFailure? Failure, int Folders, int Messages, bool SupportsCondStore)
{
    public bool IsSuccess => Failure is null;
}

/// Opens authenticated IMAP connections within the per-host cap, turning every connection-level
/// error into an <see cref="ImapFailureException"/> that says what to fix.
public sealed class ImapConnector(ImapOptions options, ImapHostGate gate)
{
    public ImapOptions Options => options;

    /// A connected, signed-in client holding one of the host's slots; dispose it to close both.
    public async Task<ImapSession> OpenAsync(ImapEndpoint endpoint, CancellationToken ct)
    {
        var slot = await gate.EnterAsync(endpoint.Host, ct);
        var client = new ImapClient { Timeout = (int)options.CommandTimeout.TotalMilliseconds };
        var connected = false;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(endpoint.Host.Trim(), endpoint.Port, endpoint.SocketOptions(), limit.Token);
            connected = true;

            // Only the password is configured; never offer an OAuth token the server might ask for.
            client.AuthenticationMechanisms.Remove("XOAUTH2");
            client.AuthenticationMechanisms.Remove("OAUTHBEARER");
            await client.AuthenticateAsync(endpoint.UserName, endpoint.Password, limit.Token);
            return new ImapSession(client, slot);
        }
        catch (Exception error)
        {
            client.Dispose();
            slot.Dispose();
            if (error is OperationCanceledException && !ct.IsCancellationRequested)
            {
                error = new TimeoutException("Connecting took longer than " + options.ConnectTimeout, error);
            }

            throw Wrap(error, endpoint, connected);
        }
    }

    /// Connects, signs in and lists the folders without changing anything on the server.
    public async Task<ImapTestResult> TestAsync(ImapEndpoint endpoint, CancellationToken ct)
    {
        try
        {
            await using var session = await OpenAsync(endpoint, ct);
            var folders = await session.SelectableFoldersAsync(ct);
            var messages = 0;
            foreach (var folder in folders)
            {
                await folder.StatusAsync(StatusItems.Count, ct);
                messages += folder.Count;
            }

            return new ImapTestResult(null, folders.Count, messages, session.Client.Capabilities.HasFlag(ImapCapabilities.CondStore));
        }
        catch (ImapFailureException failure)
        {
            return new ImapTestResult(failure.Failure, 0, 0, false);
        }
        catch (Exception error) when (ImapFailure.From(error, endpoint, connected: true) is { } failure)
        {
            return new ImapTestResult(failure, 0, 0, false);
        }
    }

    internal static Exception Wrap(Exception error, ImapEndpoint endpoint, bool connected) =>
        error is ImapFailureException || ImapFailure.From(error, endpoint, connected) is not { } failure
            ? error
            : new ImapFailureException(failure, error);
}

/// One signed-in connection and its slot in the host's cap.
public sealed class ImapSession(ImapClient client, IDisposable slot) : IAsyncDisposable
{
    public ImapClient Client => client;

    /// Every folder that can hold messages, INBOX first, in a stable order.
    public async Task<IReadOnlyList<IMailFolder>> SelectableFoldersAsync(CancellationToken ct)
    {
        var found = new List<IMailFolder>();
        foreach (var ns in client.PersonalNamespaces)
        {
            var folders = await client.GetFoldersAsync(ns, subscribedOnly: false, cancellationToken: ct);
            found.AddRange(folders.Where(f => !f.Attributes.HasFlag(FolderAttributes.NoSelect) && !f.Attributes.HasFlag(FolderAttributes.NonExistent)));
        }

        if (found.All(f => !f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase)))
        {
            found.Add(client.Inbox);
        }

        return found
            .DistinctBy(f => f.FullName, StringComparer.Ordinal)
            .OrderBy(f => f.FullName.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(f => f.FullName, StringComparer.Ordinal)
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, quick.Token);
            }
        }
        catch (Exception)
        {
            // Closing a broken connection: nothing left to save.
        }
        finally
        {
            client.Dispose();
            slot.Dispose();
        }
    }
}
