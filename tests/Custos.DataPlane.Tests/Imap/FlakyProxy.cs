using System.Net;
using System.Net.Sockets;

namespace Custos.DataPlane.Tests.Imap;

/// A TCP relay on 127.0.0.1 in front of a real server that cuts its first connection after the
/// server has sent a given number of bytes: an IMAP server dropping the connection mid-fetch.
/// Later connections are relayed untouched. With no cut (<see cref="long.MaxValue"/>) it is a plain
/// relay that records what clients send (<see cref="ClientText"/>): the IMAP commands of a run.
public sealed class FlakyProxy : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _clientText = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly long _cutAfterBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public FlakyProxy(string targetHost, int targetPort, long cutAfterBytes)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _cutAfterBytes = cutAfterBytes;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public int Cuts { get; private set; }

    /// Everything clients sent, as text (IMAP commands are ASCII).
    public string ClientText
    {
        get
        {
            lock (_clientText)
            {
                return _clientText.ToString();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            var number = Interlocked.Increment(ref _connections);
            _ = RelayAsync(client, cut: number == 1);
        }
    }

    private async Task RelayAsync(TcpClient client, bool cut)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = CopyAsync(client.GetStream(), server.GetStream(), long.MaxValue, both.Token, _clientText);
                var down = CopyAsync(server.GetStream(), client.GetStream(), cut ? _cutAfterBytes : long.MaxValue, both.Token, null);
                await Task.WhenAny(up, down);
                if (cut && down.IsCompleted)
                {
                    Cuts++;
                }

                await both.CancelAsync();
            }
            catch (Exception)
            {
                // A relay ends when either side goes away.
            }
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, long limit, CancellationToken ct, System.Text.StringBuilder? record)
    {
        var buffer = new byte[16 * 1024];
        long sent = 0;
        while (sent < limit)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - sent)), ct);
            if (read == 0)
            {
                return;
            }

            if (record is not null)
            {
                lock (record)
                {
                    record.Append(System.Text.Encoding.Latin1.GetString(buffer, 0, read));
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), ct);
            sent += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
