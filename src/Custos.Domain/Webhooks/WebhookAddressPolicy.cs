using System.Net;
using System.Net.Sockets;

namespace Custos.Domain.Webhooks;

/// Which kind of network an address belongs to, as far as webhook delivery cares.
public enum WebhookAddressRange
{
    /// Anything on the internet.
    Public,

    /// 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local) and the deprecated fec0::/10 (site-local).
    Private,

    /// 127/8, ::1.
    Loopback,

    /// 169.254/16 (cloud metadata lives at 169.254.169.254), fe80::/10.
    LinkLocal,

    /// 0.0.0.0 and :: (on most systems a connection to them reaches this machine).
    Unspecified,

    /// 0/8 apart from 0.0.0.0.
    ThisNetwork,

    /// 100.64/10, carrier-grade NAT.
    SharedAddressSpace,

    /// 192.0.0/24, IETF protocol assignments.
    ProtocolAssignments,

    /// 198.18/15, network benchmarking.
    Benchmarking,

    /// 224/4, ff00::/8.
    Multicast,

    /// 255.255.255.255.
    Broadcast,

    /// 240/4, the IPv4-compatible ::/96 and the local-use NAT64 prefix 64:ff9b:1::/48.
    Reserved,
}

/// Decides whether webhooks may be delivered to an address (see Webhooks/README.md in the control
/// plane). Public addresses always; loopback only when <see cref="AllowLoopback"/> (development and
/// tests); private networks only when <see cref="AllowPrivateNetworks"/> (a self-hosted platform with
/// an internal receiver); everything else (link-local, metadata, multicast, reserved…) never.
/// IPv4 addresses carried in IPv6 (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16)
/// are judged by the IPv4 address they carry.
public sealed record WebhookAddressPolicy(bool AllowLoopback, bool AllowPrivateNetworks)
{
    /// Public addresses only: the production default.
    public static readonly WebhookAddressPolicy PublicOnly = new(false, false);

    public bool Allows(IPAddress address) => Allows(RangeOf(address));

    public bool Allows(WebhookAddressRange range) => range switch
    {
        WebhookAddressRange.Public => true,
        WebhookAddressRange.Private => AllowPrivateNetworks,
        WebhookAddressRange.Loopback => AllowLoopback,
        _ => false,
    };

    /// Host names that stand for this machine or a local network whatever DNS says: "localhost" and
    /// *.localhost are loopback; *.local (mDNS), *.internal, *.home.arpa and one-label names (found through
    /// the resolver's search domains) are private. Any other name is judged only when it is resolved.
    public static WebhookAddressRange? RangeOfName(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        if (name is "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return WebhookAddressRange.Loopback;
        }

        if (!name.Contains('.', StringComparison.Ordinal) || name.EndsWith(".local", StringComparison.Ordinal)
            || name.EndsWith(".internal", StringComparison.Ordinal) || name.EndsWith(".home.arpa", StringComparison.Ordinal))
        {
            return WebhookAddressRange.Private;
        }

        return null;
    }

    public static WebhookAddressRange RangeOf(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return RangeOfIPv4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return WebhookAddressRange.Reserved;
        }

        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            return RangeOfIPv4(b.AsSpan(12));
        }

        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d.
            return b.AsSpan(12).IndexOfAnyExcept((byte)0) < 0 ? WebhookAddressRange.Unspecified
                : address.Equals(IPAddress.IPv6Loopback) ? WebhookAddressRange.Loopback
                : WebhookAddressRange.Reserved;
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            // 64:ff9b::/96 translates to the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is for local networks.
            return b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0 ? RangeOfIPv4(b.AsSpan(12)) : WebhookAddressRange.Reserved;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return RangeOfIPv4(b.AsSpan(2, 4)); // 6to4: 2002:a.b.c.d::/48
        }

        return (b[0], b[1] & 0xc0) switch
        {
            (0xfc or 0xfd, _) => WebhookAddressRange.Private,
            (0xfe, 0x80) => WebhookAddressRange.LinkLocal,
            (0xfe, 0xc0) => WebhookAddressRange.Private,
            (0xff, _) => WebhookAddressRange.Multicast,
            _ => WebhookAddressRange.Public,
        };
    }

    /// How the delivery log names a range.
    public static string Describe(WebhookAddressRange range) => range switch
    {
        WebhookAddressRange.Public => "public",
        WebhookAddressRange.Private => "private",
        WebhookAddressRange.Loopback => "loopback",
        WebhookAddressRange.LinkLocal => "link-local",
        WebhookAddressRange.Unspecified => "unspecified",
        WebhookAddressRange.ThisNetwork => "this network",
        WebhookAddressRange.SharedAddressSpace => "carrier-grade NAT",
        WebhookAddressRange.ProtocolAssignments => "IETF protocol assignments",
        WebhookAddressRange.Benchmarking => "benchmarking",
        WebhookAddressRange.Multicast => "multicast",
        WebhookAddressRange.Broadcast => "broadcast",
        _ => "reserved",
    };

    private static WebhookAddressRange RangeOfIPv4(ReadOnlySpan<byte> b) => (b[0], b[1]) switch
    {
        (0, 0) when b[2] == 0 && b[3] == 0 => WebhookAddressRange.Unspecified,
        (0, _) => WebhookAddressRange.ThisNetwork,
        (10, _) => WebhookAddressRange.Private,
        (100, >= 64 and < 128) => WebhookAddressRange.SharedAddressSpace,
        (127, _) => WebhookAddressRange.Loopback,
        (169, 254) => WebhookAddressRange.LinkLocal,
        (172, >= 16 and < 32) => WebhookAddressRange.Private,
        (192, 0) when b[2] == 0 => WebhookAddressRange.ProtocolAssignments,
        (192, 168) => WebhookAddressRange.Private,
        (198, 18 or 19) => WebhookAddressRange.Benchmarking,
        _ when b[0] is >= 224 and < 240 => WebhookAddressRange.Multicast,
        (255, 255) when b[2] == 255 && b[3] == 255 => WebhookAddressRange.Broadcast,
        _ when b[0] >= 240 => WebhookAddressRange.Reserved,
        _ => WebhookAddressRange.Public,
    };
}
