using System.Net;
using System.Net.Sockets;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Hosting;

/// <summary>What an inherited descriptor is: its socket type and the address it is bound to (null if not IPv4/IPv6).</summary>
internal sealed record InheritedSocketDescription(InheritedSocket Socket, SocketType Type, IPEndPoint? LocalEndPoint);

/// <summary>
/// Inherited sockets assigned to the listen addresses they serve: a UDP socket to the <c>quic_addrs</c> entry equal to
/// its bound address (else the equal <c>udp_relay_addrs</c> entry, for the native UDP plane), a TCP socket to the
/// equal <c>api_addrs</c> entry. Addresses without one are bound by the relay
/// as usual. A socket that matches no entry stops start-up: it would otherwise sit open and unserved while its unit
/// promises a service there.
/// </summary>
internal sealed class InheritedListenSockets
{
    private InheritedListenSockets(IReadOnlyDictionary<IPEndPoint, int> quic, IReadOnlyDictionary<IPEndPoint, int> api, IReadOnlyDictionary<IPEndPoint, int> nativeUdp)
    {
        Quic = quic;
        Api = api;
        NativeUdp = nativeUdp;
    }

    public static InheritedListenSockets None { get; } = new(new Dictionary<IPEndPoint, int>(), new Dictionary<IPEndPoint, int>(), new Dictionary<IPEndPoint, int>());

    /// <summary>Descriptor of the UDP socket to serve each of these <c>quic_addrs</c> entries on.</summary>
    public IReadOnlyDictionary<IPEndPoint, int> Quic { get; }

    /// <summary>Descriptor of the listening TCP socket to serve each of these <c>api_addrs</c> entries on.</summary>
    public IReadOnlyDictionary<IPEndPoint, int> Api { get; }

    /// <summary>Descriptor of the UDP socket to serve each of these <c>udp_relay_addrs</c> entries on.</summary>
    public IReadOnlyDictionary<IPEndPoint, int> NativeUdp { get; }

    /// <summary>
    /// The sockets systemd passed to this process, matched to <paramref name="config"/>'s addresses. Clears the
    /// LISTEN_* variables and sets close-on-exec on every passed descriptor.
    /// </summary>
    /// <exception cref="ListenSocketsException">A variable is malformed, a descriptor is not an IP socket, or a socket matches no listen address.</exception>
    public static InheritedListenSockets FromProcess(IReadOnlyDictionary<string, string> environment, RelayConfig config, Logger log)
    {
        var sockets = SystemdListenSockets.Parse(environment, Environment.ProcessId);
        SystemdListenSockets.UnsetEnvironment();
        if (sockets.Count == 0)
        {
            return None;
        }

        var matched = Match(sockets.Select(Describe).ToList(), config.QuicAddrs, config.ApiAddrs, config.UdpRelayEnabled ? config.UdpRelayAddrs : []);
        foreach (var (address, descriptor) in matched.Quic)
        {
            HostingLog.ListenSocketAdopted(log, descriptor, "UDP (QUIC)", address);
            if (config.QuicThreads > 1)
            {
                HostingLog.InheritedQuicSocketSingleLoop(log, address, config.QuicThreads);
            }
        }

        foreach (var (address, descriptor) in matched.Api)
        {
            HostingLog.ListenSocketAdopted(log, descriptor, "TCP (stats)", address);
        }

        foreach (var (address, descriptor) in matched.NativeUdp)
        {
            HostingLog.ListenSocketAdopted(log, descriptor, "UDP (native relay)", address);
        }

        return matched;
    }

    /// <summary>Assigns each described socket to the equal address of its kind; pure, for tests.</summary>
    /// <exception cref="ListenSocketsException">A socket is neither UDP nor TCP over IP, matches no address, or shares its address with another.</exception>
    public static InheritedListenSockets Match(IReadOnlyList<InheritedSocketDescription> sockets, IReadOnlyList<IPEndPoint> quicAddrs, IReadOnlyList<IPEndPoint> apiAddrs, IReadOnlyList<IPEndPoint>? udpRelayAddrs = null)
    {
        var quic = new Dictionary<IPEndPoint, int>();
        var api = new Dictionary<IPEndPoint, int>();
        var nativeUdp = new Dictionary<IPEndPoint, int>();
        foreach (var (socket, type, local) in sockets)
        {
            var (kind, key, addresses, assigned) = type switch
            {
                SocketType.Dgram when local is not null && !quicAddrs.Contains(local) && udpRelayAddrs is not null && udpRelayAddrs.Contains(local)
                    => ("UDP", "udp_relay_addrs", udpRelayAddrs, nativeUdp),
                SocketType.Dgram => ("UDP", "quic_addrs", quicAddrs, quic),
                SocketType.Stream => ("TCP", "api_addrs", apiAddrs, api),
                _ => throw new ListenSocketsException($"{socket} is a {type} socket; only UDP (for QUIC) and TCP (for the stats endpoint) sockets can be used"),
            };
            if (local is null)
            {
                throw new ListenSocketsException($"{socket} is not an IPv4 or IPv6 socket");
            }

            var address = addresses.FirstOrDefault(a => a.Equals(local))
                ?? throw new ListenSocketsException(
                    $"{socket} is bound to {kind} {local}, which is not in {key} ({string.Join(", ", addresses)}); " +
                    $"the socket unit's addresses and the relay's {key} must be the same, wildcard and port included");
            if (!assigned.TryAdd(address, socket.Descriptor))
            {
                throw new ListenSocketsException($"{socket} and inherited descriptor {assigned[address]} are both bound to {kind} {local}");
            }
        }

        return new InheritedListenSockets(quic, api, nativeUdp);
    }

    /// <summary>Reads the socket's type and address without taking the descriptor over.</summary>
    internal static InheritedSocketDescription Describe(InheritedSocket socket)
    {
        try
        {
            InheritedDescriptor.SetCloseOnExec(socket.Descriptor);
            using var view = new Socket(new SafeSocketHandle(socket.Descriptor, ownsHandle: false));
            return new InheritedSocketDescription(socket, view.SocketType, view.LocalEndPoint as IPEndPoint);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new ListenSocketsException($"{socket} is not a usable socket: {e.Message}", e);
        }
    }
}
