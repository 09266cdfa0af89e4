using System.Net;
using System.Net.Sockets;
using BilbyRelay.Hosting;

namespace BilbyRelay.Tests.Hosting;

public sealed class InheritedListenSocketsTests
{
    private static readonly IPEndPoint[] QuicAddrs = [IPEndPoint.Parse("0.0.0.0:4433"), IPEndPoint.Parse("[::]:4433")];
    private static readonly IPEndPoint[] ApiAddrs = [IPEndPoint.Parse("127.0.0.1:4480")];

    private static InheritedSocketDescription Socket(int fd, SocketType type, string? address, string? name = null) =>
        new(new InheritedSocket(fd, name), type, address is null ? null : IPEndPoint.Parse(address));

    [Fact]
    public void Match_AssignsUdpToQuicAndTcpToStatsByAddress()
    {
        var matched = InheritedListenSockets.Match(
            [Socket(3, SocketType.Dgram, "[::]:4433"), Socket(4, SocketType.Stream, "127.0.0.1:4480")], QuicAddrs, ApiAddrs);

        Assert.Equal(3, Assert.Single(matched.Quic, p => p.Key.Equals(IPEndPoint.Parse("[::]:4433"))).Value);
        Assert.Single(matched.Quic);
        Assert.Equal(4, matched.Api[IPEndPoint.Parse("127.0.0.1:4480")]);
    }

    [Fact]
    public void Match_UdpOnANativeRelayAddress_GoesToTheNativePlane()
    {
        IPEndPoint[] native = [IPEndPoint.Parse("0.0.0.0:4434")];
        var matched = InheritedListenSockets.Match(
            [Socket(3, SocketType.Dgram, "0.0.0.0:4433"), Socket(4, SocketType.Dgram, "0.0.0.0:4434")], QuicAddrs, ApiAddrs, native);

        Assert.Equal(3, Assert.Single(matched.Quic).Value);
        Assert.Equal(4, matched.NativeUdp[native[0]]);
        Assert.Empty(matched.Api);
    }

    [Fact]
    public void Match_NoSockets_AssignsNothing()
    {
        var matched = InheritedListenSockets.Match([], QuicAddrs, ApiAddrs);

        Assert.Empty(matched.Quic);
        Assert.Empty(matched.Api);
    }

    [Fact]
    public void Match_AddressInTheOtherList_IsNotAMatch()
    {
        // A TCP socket on the QUIC port is not the stats endpoint.
        var error = Assert.Throws<ListenSocketsException>(() =>
            InheritedListenSockets.Match([Socket(3, SocketType.Stream, "0.0.0.0:4433", "web")], QuicAddrs, ApiAddrs));

        Assert.Equal(
            "inherited descriptor 3 ('web') is bound to TCP 0.0.0.0:4433, which is not in api_addrs (127.0.0.1:4480); " +
            "the socket unit's addresses and the relay's api_addrs must be the same, wildcard and port included",
            error.Message);
    }

    [Theory]
    [InlineData("0.0.0.0:4434")]
    [InlineData("127.0.0.1:4433")]
    [InlineData("[::1]:4433")]
    public void Match_DifferentPortOrWildcard_Fails(string bound)
    {
        var error = Assert.Throws<ListenSocketsException>(() =>
            InheritedListenSockets.Match([Socket(3, SocketType.Dgram, bound)], QuicAddrs, ApiAddrs));

        Assert.StartsWith($"inherited descriptor 3 is bound to UDP {IPEndPoint.Parse(bound)}, which is not in quic_addrs (0.0.0.0:4433, [::]:4433)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_TwoSocketsOnOneAddress_Fails()
    {
        var error = Assert.Throws<ListenSocketsException>(() =>
            InheritedListenSockets.Match([Socket(3, SocketType.Dgram, "0.0.0.0:4433"), Socket(4, SocketType.Dgram, "0.0.0.0:4433")], QuicAddrs, ApiAddrs));

        Assert.Equal("inherited descriptor 4 and inherited descriptor 3 are both bound to UDP 0.0.0.0:4433", error.Message);
    }

    [Fact]
    public void Match_OtherSocketType_Fails()
    {
        var error = Assert.Throws<ListenSocketsException>(() =>
            InheritedListenSockets.Match([Socket(3, SocketType.Seqpacket, "0.0.0.0:4433")], QuicAddrs, ApiAddrs));

        Assert.Contains("is a Seqpacket socket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_NonIpSocket_Fails()
    {
        var error = Assert.Throws<ListenSocketsException>(() =>
            InheritedListenSockets.Match([Socket(5, SocketType.Stream, null)], QuicAddrs, ApiAddrs));

        Assert.Equal("inherited descriptor 5 is not an IPv4 or IPv6 socket", error.Message);
    }

    [Fact]
    public void Describe_ReadsTypeAndAddressAndLeavesTheSocketOpen()
    {
        using var udp = new System.Net.Sockets.Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var fd = (int)udp.Handle;

        var description = InheritedListenSockets.Describe(new InheritedSocket(fd, "quic"));

        Assert.Equal(new InheritedSocket(fd, "quic"), description.Socket);
        Assert.Equal(SocketType.Dgram, description.Type);
        Assert.Equal(udp.LocalEndPoint, description.LocalEndPoint);
        udp.SendTo([1, 2, 3], udp.LocalEndPoint!);
        var buffer = new byte[8];
        Assert.Equal(3, udp.Receive(buffer));
    }

    [Fact]
    public void Describe_ListeningTcpSocket_IsStream()
    {
        using var tcp = new System.Net.Sockets.Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        tcp.Listen();

        var description = InheritedListenSockets.Describe(new InheritedSocket((int)tcp.Handle, null));

        Assert.Equal(SocketType.Stream, description.Type);
        Assert.Equal(tcp.LocalEndPoint, description.LocalEndPoint);
    }
}
