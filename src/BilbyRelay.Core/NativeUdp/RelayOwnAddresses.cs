using System.Net;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// Which addresses belong to the relay itself (§5.4 rule 2, §5.12 #1): a native UDP port of the relay on a
/// local IP. A socket bound to a specific IP owns that IP and port; a socket bound to a wildcard owns its port
/// on every interface address and on all of 127.0.0.0/8 and ::1. <c>public_udp_addr</c>, when an IP literal,
/// is relay-owned too. Immutable: the plane swaps in a new instance when the interface addresses change, so
/// the forwarding path reads it without a lock.
/// </summary>
public sealed class RelayOwnAddresses
{
    private readonly HashSet<UdpPeerAddress> _exact;
    private readonly int[] _wildcardPorts;
    private readonly HashSet<UdpPeerAddress> _localIps;

    /// <param name="listenEndPoints">The bound native sockets (actual ports).</param>
    /// <param name="interfaceAddresses">Every address of every local interface.</param>
    /// <param name="publicAddress">public_udp_addr when it is an IP literal.</param>
    public RelayOwnAddresses(IEnumerable<IPEndPoint> listenEndPoints, IEnumerable<IPAddress> interfaceAddresses, IPEndPoint? publicAddress = null)
    {
        ArgumentNullException.ThrowIfNull(listenEndPoints);
        ArgumentNullException.ThrowIfNull(interfaceAddresses);
        _exact = [];
        var wildcardPorts = new List<int>();
        foreach (var endPoint in listenEndPoints)
        {
            if (endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                wildcardPorts.Add(endPoint.Port);
            }
            else
            {
                _exact.Add(UdpPeerAddress.FromEndPoint(endPoint));
            }
        }

        if (publicAddress is not null)
        {
            _exact.Add(UdpPeerAddress.FromEndPoint(publicAddress));
        }

        _wildcardPorts = [.. wildcardPorts.Distinct()];
        _localIps = [.. interfaceAddresses.Select(static a => UdpPeerAddress.FromAddress(a, 0))];
    }

    /// <summary>No socket and no interface: nothing is relay-owned.</summary>
    public static RelayOwnAddresses None { get; } = new([], []);

    /// <summary>True when a datagram sent to <paramref name="address"/> would arrive at the relay's own native plane.</summary>
    public bool Contains(in UdpPeerAddress address)
    {
        if (_exact.Count != 0 && _exact.Contains(address))
        {
            return true;
        }

        if (Array.IndexOf(_wildcardPorts, address.Port) < 0)
        {
            return false;
        }

        return address.IsLoopback || _localIps.Contains(address.WithPort(0));
    }
}
