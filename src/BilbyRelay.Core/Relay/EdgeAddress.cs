using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.Core.Relay;

/// <summary>Address formatting and normalisation shared by events, reports and the per-IP cap.</summary>
public static class EdgeAddress
{
    /// <summary>
    /// Formats like a Rust <c>SocketAddr</c>, as upstream prints it in events and reports:
    /// <c>1.2.3.4:5</c>, <c>[::1]:5</c>, <c>[fe80::1%2]:5</c>. IPv4-mapped IPv6 addresses are shown as IPv4.
    /// </summary>
    public static string Format(IPEndPoint endPoint)
    {
        var address = Normalize(endPoint.Address);
        string port = endPoint.Port.ToString(CultureInfo.InvariantCulture);
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + address + "]:" + port
            : address + ":" + port;
    }

    /// <summary>The key for the per-IP cap: IPv4-mapped IPv6 folded to IPv4 so a dual-stack peer counts once.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
