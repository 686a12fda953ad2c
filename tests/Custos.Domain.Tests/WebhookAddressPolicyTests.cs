using System.Net;
using Custos.Domain.Webhooks;

namespace Custos.Domain.Tests;

public sealed class WebhookAddressPolicyTests
{
    /// Under which settings an address may be delivered to.
    public enum AllowedWhen
    {
        Never,
        LoopbackAllowed,
        PrivateNetworksAllowed,
        Always,
    }

    [Theory]
    // Public.
    [InlineData("93.184.215.14", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("1.1.1.1", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("2606:4700:4700::1111", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("9.255.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("11.0.0.0", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("100.63.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("100.128.0.0", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("126.255.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("128.0.0.0", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("169.253.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("172.15.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("172.32.0.0", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("192.0.1.1", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("192.167.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("198.17.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("198.20.0.0", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("223.255.255.255", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("::ffff:93.184.215.14", WebhookAddressRange.Public, AllowedWhen.Always)]
    [InlineData("64:ff9b::5db8:d70e", WebhookAddressRange.Public, AllowedWhen.Always)] // NAT64 of 93.184.215.14
    [InlineData("2002:5db8:d70e::1", WebhookAddressRange.Public, AllowedWhen.Always)] // 6to4 of 93.184.215.14
    [InlineData("fbff:ffff::1", WebhookAddressRange.Public, AllowedWhen.Always)]
    // Private networks.
    [InlineData("10.0.0.5", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("10.255.255.255", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("172.16.0.1", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("172.31.255.255", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("192.168.1.10", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("fc00::1", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("fd12:3456:789a::1", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("fec0::1", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("::ffff:10.0.0.5", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("::ffff:192.168.1.10", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)]
    [InlineData("64:ff9b::a00:5", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)] // NAT64 of 10.0.0.5
    [InlineData("2002:c0a8:10a::1", WebhookAddressRange.Private, AllowedWhen.PrivateNetworksAllowed)] // 6to4 of 192.168.1.10
    // Loopback.
    [InlineData("127.0.0.1", WebhookAddressRange.Loopback, AllowedWhen.LoopbackAllowed)]
    [InlineData("127.255.255.254", WebhookAddressRange.Loopback, AllowedWhen.LoopbackAllowed)]
    [InlineData("::1", WebhookAddressRange.Loopback, AllowedWhen.LoopbackAllowed)]
    [InlineData("::ffff:127.0.0.1", WebhookAddressRange.Loopback, AllowedWhen.LoopbackAllowed)]
    [InlineData("64:ff9b::7f00:1", WebhookAddressRange.Loopback, AllowedWhen.LoopbackAllowed)]
    // Never: link-local (cloud metadata), unspecified, 0/8, CGNAT, 192.0.0/24, benchmarking, multicast, broadcast, 240/4.
    [InlineData("169.254.169.254", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("169.254.0.1", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("fe80::1", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("febf:ffff::1", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("::ffff:169.254.169.254", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("64:ff9b::a9fe:a9fe", WebhookAddressRange.LinkLocal, AllowedWhen.Never)]
    [InlineData("0.0.0.0", WebhookAddressRange.Unspecified, AllowedWhen.Never)]
    [InlineData("::", WebhookAddressRange.Unspecified, AllowedWhen.Never)]
    [InlineData("::ffff:0.0.0.0", WebhookAddressRange.Unspecified, AllowedWhen.Never)]
    [InlineData("0.1.2.3", WebhookAddressRange.ThisNetwork, AllowedWhen.Never)]
    [InlineData("0.0.0.1", WebhookAddressRange.ThisNetwork, AllowedWhen.Never)]
    [InlineData("100.64.0.1", WebhookAddressRange.SharedAddressSpace, AllowedWhen.Never)]
    [InlineData("100.127.255.255", WebhookAddressRange.SharedAddressSpace, AllowedWhen.Never)]
    [InlineData("::ffff:100.100.100.200", WebhookAddressRange.SharedAddressSpace, AllowedWhen.Never)]
    [InlineData("192.0.0.1", WebhookAddressRange.ProtocolAssignments, AllowedWhen.Never)]
    [InlineData("192.0.0.255", WebhookAddressRange.ProtocolAssignments, AllowedWhen.Never)]
    [InlineData("198.18.0.1", WebhookAddressRange.Benchmarking, AllowedWhen.Never)]
    [InlineData("198.19.255.255", WebhookAddressRange.Benchmarking, AllowedWhen.Never)]
    [InlineData("224.0.0.1", WebhookAddressRange.Multicast, AllowedWhen.Never)]
    [InlineData("239.255.255.250", WebhookAddressRange.Multicast, AllowedWhen.Never)]
    [InlineData("ff02::1", WebhookAddressRange.Multicast, AllowedWhen.Never)]
    [InlineData("::ffff:224.0.0.251", WebhookAddressRange.Multicast, AllowedWhen.Never)]
    [InlineData("255.255.255.255", WebhookAddressRange.Broadcast, AllowedWhen.Never)]
    [InlineData("::ffff:255.255.255.255", WebhookAddressRange.Broadcast, AllowedWhen.Never)]
    [InlineData("240.0.0.1", WebhookAddressRange.Reserved, AllowedWhen.Never)]
    [InlineData("255.255.255.254", WebhookAddressRange.Reserved, AllowedWhen.Never)]
    [InlineData("::7f00:1", WebhookAddressRange.Reserved, AllowedWhen.Never)] // IPv4-compatible 127.0.0.1 (deprecated)
    [InlineData("64:ff9b:1::a00:5", WebhookAddressRange.Reserved, AllowedWhen.Never)] // local-use NAT64
    public void Address_IsClassified_AndAllowedOnlyWhereTheSettingsSay(string text, WebhookAddressRange range, AllowedWhen allowedWhen)
    {
        var address = IPAddress.Parse(text);
        WebhookAddressPolicy.RangeOf(address).ShouldBe(range);

        new WebhookAddressPolicy(AllowLoopback: false, AllowPrivateNetworks: false).Allows(address).ShouldBe(allowedWhen is AllowedWhen.Always);
        new WebhookAddressPolicy(AllowLoopback: true, AllowPrivateNetworks: false).Allows(address)
            .ShouldBe(allowedWhen is AllowedWhen.Always or AllowedWhen.LoopbackAllowed);
        new WebhookAddressPolicy(AllowLoopback: false, AllowPrivateNetworks: true).Allows(address)
            .ShouldBe(allowedWhen is AllowedWhen.Always or AllowedWhen.PrivateNetworksAllowed);
        new WebhookAddressPolicy(AllowLoopback: true, AllowPrivateNetworks: true).Allows(address).ShouldBe(allowedWhen is not AllowedWhen.Never);
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", false, false, true)]
    [InlineData("https://93.184.215.14/x", false, false, true)]
    [InlineData("https://[2606:4700:4700::1111]/x", false, false, true)]
    [InlineData("https://169.254.169.254/latest/meta-data/", false, false, false)]
    [InlineData("https://169.254.169.254/latest/meta-data/", true, true, false)]
    [InlineData("https://[fe80::1]/x", true, true, false)]
    [InlineData("https://0.0.0.0/x", true, true, false)]
    [InlineData("https://[::]/x", true, true, false)]
    [InlineData("https://100.64.0.1/x", true, true, false)]
    [InlineData("https://224.0.0.1/x", true, true, false)]
    [InlineData("https://10.0.0.5/x", false, false, false)]
    [InlineData("https://10.0.0.5/x", true, false, false)]
    [InlineData("https://10.0.0.5/x", false, true, true)]
    [InlineData("https://192.168.1.10:8443/x", false, false, false)]
    [InlineData("https://[fd00::5]/x", false, false, false)]
    [InlineData("https://[fd00::5]/x", false, true, true)]
    [InlineData("https://[::ffff:127.0.0.1]/x", false, false, false)]
    [InlineData("https://[::ffff:127.0.0.1]/x", false, true, false)]
    [InlineData("https://[::ffff:127.0.0.1]/x", true, false, true)]
    [InlineData("https://[::ffff:a9fe:a9fe]/x", true, true, false)] // ::ffff:169.254.169.254 written in hex
    [InlineData("https://[64:ff9b::a9fe:a9fe]/x", true, true, false)]
    [InlineData("https://127.0.0.1/x", false, false, false)]
    [InlineData("https://127.0.0.1/x", true, false, true)]
    [InlineData("https://[::1]/x", false, false, false)]
    [InlineData("https://2130706433/x", false, false, false)] // 127.0.0.1 as one number
    [InlineData("https://0x7f.1/x", false, false, false)] // 127.0.0.1 in hex, short form
    [InlineData("https://0251.0376.0251.0376/x", false, false, false)] // 169.254.169.254 in octal
    [InlineData("https://localhost/x", false, false, false)]
    [InlineData("https://LOCALHOST./x", false, true, false)]
    [InlineData("https://localhost/x", true, false, true)]
    [InlineData("https://api.localhost/x", false, false, false)]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", false, false, false)]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", false, true, true)]
    [InlineData("https://printer.local/x", false, false, false)]
    [InlineData("https://nas.home.arpa/x", false, false, false)]
    [InlineData("https://intranet/x", false, false, false)]
    [InlineData("https://intranet/x", false, true, true)]
    [InlineData("https://internal.example.com/x", false, false, true)] // only the suffix counts
    [InlineData("http://127.0.0.1:5000/hook", false, true, false)]
    [InlineData("http://10.0.0.5/hook", true, true, false)] // plain http stays loopback-only
    public void Url_ToAnInternalHost_IsRefused_UnlessTheSettingsAllowIt(string url, bool allowLoopback, bool allowPrivate, bool valid)
    {
        var parsed = WebhookUrl.Parse(url, new WebhookAddressPolicy(allowLoopback, allowPrivate));

        (parsed.Error is null).ShouldBe(valid, parsed.Error?.Message);
        if (!valid)
        {
            parsed.Error!.Field.ShouldBe("url");
        }
    }

    [Theory]
    [InlineData("https://169.254.169.254/x")]
    [InlineData("https://10.0.0.5/x")]
    [InlineData("https://[::ffff:127.0.0.1]/x")]
    [InlineData("https://localhost/x")]
    [InlineData("http://localhost/x")]
    public void Url_ToAnInternalHost_SaysWhy(string url) =>
        WebhookUrl.Parse(url, WebhookAddressPolicy.PublicOnly).Error.ShouldBeOfType<ValidationFailed>().Errors
            .ShouldHaveSingleItem().Message.ShouldBe("Webhook URLs cannot point to private, loopback or link-local addresses.");
}
