using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace Custos.Web.Tests.Infrastructure;

/// One message as the receiver got it: the envelope and the parsed MIME message.
public sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> Recipients, MimeMessage Message)
{
    /// The Message-ID header with its angle brackets, as the outbox stores it.
    public string MessageId => $"<{Message.MessageId}>";

    public MailboxAddress From => Message.From.Mailboxes.Single();
}

/// How the receiver misbehaves, to test delivery against a server that is not well.
public enum SmtpStall
{
    None,

    /// Accepts the connection and never sends its greeting.
    Greeting,

    /// Takes the whole message, then never answers the final dot.
    AfterData,
}

/// A small SMTP server for tests on 127.0.0.1 (a free port): EHLO/HELO, MAIL, RCPT, DATA (with
/// dot-unstuffing), RSET, NOOP, QUIT; no TLS, no AUTH. It records what it accepted, and can be told to
/// refuse a recipient (550), to refuse every message for now (451), to stall, or to stop and start
/// again on the same port (a server that is down).
///
/// <code>
/// await using var smtp = await SmtpReceiver.StartAsync();
/// await using var app = await CustosApp.StartAsync(new CustosAppOptions(data.Path).WithSmtp(smtp));
/// var mail = await smtp.WaitForAsync(m => m.Recipients.Contains("ann@example.test"));
/// </code>
public sealed class SmtpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _messages = new();
    private readonly ConcurrentDictionary<string, byte> _rejected = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<TcpClient, byte> _clients = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;
    private Task? _accepting;
    private int _connections;

    private SmtpReceiver(int port) => Port = port;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    public bool IsRunning => _listener is not null;

    /// Every accepted message, in order of acceptance.
    public IReadOnlyList<ReceivedMail> Messages => [.. _messages];

    /// How many connections were opened to the receiver so far.
    public int Connections => Volatile.Read(ref _connections);

    /// Answer 451 to every message's final dot (the message is not taken).
    public bool TemporaryFailure { get; set; }

    public SmtpStall Stall { get; set; }

    public static async Task<SmtpReceiver> StartAsync(int port = 0)
    {
        var receiver = new SmtpReceiver(port);
        await receiver.StartListeningAsync();
        return receiver;
    }

    /// RCPT TO this address answers "550 5.1.1" from now on.
    public void RejectRecipient(string address) => _rejected[address] = 0;

    /// Takes the address again after <see cref="RejectRecipient"/>.
    public void AcceptRecipient(string address) => _rejected.TryRemove(address, out _);

    public IReadOnlyList<ReceivedMail> To(string address) =>
        [.. Messages.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase))];

    /// Waits until a received message matches, and returns it.
    public async Task<ReceivedMail> WaitForAsync(Func<ReceivedMail, bool> match, TimeSpan? timeout = null) =>
        (await Eventually.Async(() => Task.FromResult(Messages.FirstOrDefault(match)), m => m is not null, "a matching message at the SMTP receiver", timeout))!;

    /// Stops listening and drops every open connection: the server is down.
    public async Task StopAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _stop!.CancelAsync();
        _listener.Stop();
        _listener = null;
        foreach (var client in _clients.Keys)
        {
            client.Dispose();
        }

        try
        {
            await _accepting!;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// Listens again on the same port.
    public Task RestartAsync() => IsRunning ? Task.CompletedTask : StartListeningAsync();

    public async ValueTask DisposeAsync() => await StopAsync();

    private Task StartListeningAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _accepting = Task.Run(() => AcceptAsync(listener, token));
        return Task.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _clients[client] = 0;
            _ = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, ct);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    // The client went away or the receiver stopped.
                }
                finally
                {
                    _clients.TryRemove(client, out _);
                    client.Dispose();
                }
            }, CancellationToken.None);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        var stream = client.GetStream();
        var reader = new LineReader(stream);
        async Task ReplyAsync(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"), ct);

        if (Stall == SmtpStall.Greeting)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }

        await ReplyAsync("220 custos-test ESMTP ready");
        string? from = null;
        var recipients = new List<string>();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var text = Encoding.ASCII.GetString(line);
            var verb = text.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await ReplyAsync("250-custos-test\r\n250-8BITMIME\r\n250 SIZE 52428800");
                    break;
                case "HELO":
                    await ReplyAsync("250 custos-test");
                    break;
                case "MAIL":
                    from = Address(text);
                    recipients.Clear();
                    await ReplyAsync("250 2.1.0 Ok");
                    break;
                case "RCPT" when from is null:
                    await ReplyAsync("503 5.5.1 MAIL first");
                    break;
                case "RCPT":
                    var to = Address(text);
                    if (_rejected.ContainsKey(to))
                    {
                        await ReplyAsync($"550 5.1.1 <{to}>: Recipient address rejected: no such user");
                    }
                    else
                    {
                        recipients.Add(to);
                        await ReplyAsync("250 2.1.5 Ok");
                    }

                    break;
                case "DATA" when recipients.Count == 0:
                    await ReplyAsync("503 5.5.1 RCPT first");
                    break;
                case "DATA":
                    await ReplyAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new MemoryStream();
                    while (await reader.ReadLineAsync(ct) is { } dataLine)
                    {
                        if (dataLine is [(byte)'.'])
                        {
                            break;
                        }

                        // Dot-unstuffing: a line that starts with a dot was sent with one more.
                        var unstuffed = dataLine is [(byte)'.', ..] ? dataLine.AsSpan(1) : dataLine.AsSpan();
                        data.Write(unstuffed);
                        data.Write("\r\n"u8);
                    }

                    if (Stall == SmtpStall.AfterData)
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    if (TemporaryFailure)
                    {
                        await ReplyAsync("451 4.3.0 Temporary failure, try again later");
                    }
                    else
                    {
                        data.Position = 0;
                        _messages.Enqueue(new ReceivedMail(from!, [.. recipients], await MimeMessage.LoadAsync(data, ct)));
                        await ReplyAsync($"250 2.0.0 Ok: queued as {_messages.Count}");
                    }

                    from = null;
                    recipients.Clear();
                    break;
                case "RSET":
                    from = null;
                    recipients.Clear();
                    await ReplyAsync("250 2.0.0 Ok");
                    break;
                case "NOOP":
                    await ReplyAsync("250 2.0.0 Ok");
                    break;
                case "QUIT":
                    await ReplyAsync("221 2.0.0 Bye");
                    return;
                default:
                    await ReplyAsync("502 5.5.2 Command not recognized");
                    break;
            }
        }
    }

    /// The address between the angle brackets of "MAIL FROM:&lt;a@b&gt; SIZE=…" or "RCPT TO:&lt;a@b&gt;".
    private static string Address(string command)
    {
        var start = command.IndexOf('<', StringComparison.Ordinal);
        var end = command.IndexOf('>', start + 1);
        return start >= 0 && end > start ? command[(start + 1)..end] : "";
    }

    /// Reads CRLF-terminated lines as bytes (the message may hold 8-bit text).
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
        {
            var line = new MemoryStream();
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    line.Write(_buffer, _start, newline - _start);
                    _start = newline + 1;
                    var bytes = line.ToArray();
                    return bytes is [.., (byte)'\r'] ? bytes[..^1] : bytes;
                }

                line.Write(_buffer, _start, _end - _start);
                _start = _end = 0;
                var read = await stream.ReadAsync(_buffer, ct);
                if (read == 0)
                {
                    return null;
                }

                _end = read;
            }
        }
    }
}
