using System.Net;
using System.Net.Sockets;
using Custos.ControlPlane.Webhooks;
using Custos.Domain.Webhooks;

namespace Custos.ControlPlane.Tests;

/// The connect step of webhook deliveries, against a listener on 127.0.0.1 (no database needed).
public sealed class WebhookHttpTests
{
    [Fact]
    public async Task Connect_ToANameResolvingToLoopback_ReachesTheListener_WhenLoopbackIsAllowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync();

        // "localhost" may resolve to ::1 first, where nothing listens: the next allowed address is tried.
        await using var stream = await WebhookHttp.ConnectAsync(new WebhookAddressPolicy(true, false), new DnsEndPoint("localhost", port), default);

        using var client = await accepted.WaitAsync(TimeSpan.FromSeconds(10));
        client.Connected.ShouldBeTrue();
    }

    [Theory]
    [InlineData("localhost", false, "the name resolves only to refused addresses: ")]
    [InlineData("127.0.0.1", false, "the address is refused: 127.0.0.1 (loopback)")]
    [InlineData("::ffff:127.0.0.1", true, "the address is refused: ::ffff:127.0.0.1 (loopback)")]
    public async Task Connect_ToLoopback_IsRefusedBeforeAnyConnection_WhenLoopbackIsNotAllowed(string host, bool privateAllowed, string reason)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var refused = await Should.ThrowAsync<WebhookAddressRefusedException>(
            () => WebhookHttp.ConnectAsync(new WebhookAddressPolicy(false, privateAllowed), new DnsEndPoint(host, port), default).AsTask());

        refused.Message.ShouldStartWith(reason);
        listener.Pending().ShouldBeFalse();
    }

    [Fact]
    public async Task Send_ThroughTheDeliveryClient_FailsWithTheRefusal_AsTheDeliveryRecordsIt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new WebhookHttp(new WebhookSettings { AllowHttpLoopback = false, AllowPrivateNetworks = true });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)); // a connection made would wait for an answer that never comes
        var failed = await Should.ThrowAsync<HttpRequestException>(
            () => http.Client.PostAsync(new Uri($"http://localhost:{port}/hook"), new StringContent("{}"), timeout.Token));

        failed.InnerException.ShouldBeOfType<WebhookAddressRefusedException>().Message.ShouldContain("127.0.0.1 (loopback)");
        listener.Pending().ShouldBeFalse();
    }

    [Fact]
    public void TheDeliveryHandler_UsesNoProxy_AndFollowsNoRedirects()
    {
        // A proxy would open the connection to the receiver itself, where the address check cannot see it.
        using var handler = WebhookHttp.CreateHandler(WebhookAddressPolicy.PublicOnly, TimeSpan.FromSeconds(5));
        handler.UseProxy.ShouldBeFalse();
        handler.AllowAutoRedirect.ShouldBeFalse();
        handler.ConnectCallback.ShouldNotBeNull();
    }
}
