using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests.Infrastructure;

/// One request as the receiver got it.
public sealed record ReceivedWebhook(string? Id, string? Timestamp, string? Signature, string ContentType, string Body, DateTimeOffset At);

/// A webhook receiver on a free 127.0.0.1 port (Kestrel): records every POST to /hook and answers
/// with the status <c>statusOf(n)</c> for the n-th request (1-based; 200 by default).
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private int _count;

    private WebhookReceiver(Func<int, int> statusOf)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            _received.Enqueue(new ReceivedWebhook(
                http.Request.Headers["webhook-id"].FirstOrDefault(), http.Request.Headers["webhook-timestamp"].FirstOrDefault(),
                http.Request.Headers["webhook-signature"].FirstOrDefault(), http.Request.ContentType ?? "", body, TimeProvider.System.GetUtcNow()));
            var status = statusOf(Interlocked.Increment(ref _count));
            http.Response.StatusCode = status;
            if (status != StatusCodes.Status204NoContent)
            {
                await http.Response.WriteAsync(status < 300 ? "thanks" : "receiver is down");
            }
        });
    }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(Func<int, int>? statusOf = null)
    {
        var receiver = new WebhookReceiver(statusOf ?? (_ => 200));
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// Checks a request's signature the way a receiver following Standard Webhooks would, written
    /// here independently of Custos's own signer: HMAC-SHA256 over "id.timestamp.body" with the
    /// base64-decoded secret, compared with each "v1," signature in the header.
    public static bool IsSignedWith(ReceivedWebhook hook, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{hook.Id}.{hook.Timestamp}.{hook.Body}")));
        return (hook.Signature ?? "").Split(' ').Any(s => s == expected);
    }

    public static string SignIndependently(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
