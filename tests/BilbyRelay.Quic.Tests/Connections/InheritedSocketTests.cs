using System.Net;
using System.Net.Sockets;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Tests.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

/// <summary>A listener serving an address on a socket it was given (systemd socket activation) instead of binding it.</summary>
public sealed class InheritedSocketTests
{
    [Fact]
    public async Task Listener_InheritedSocket_ServesItWithOneLoop_OtherAddressesKeepTheirLoops()
    {
        var fd = UdpTestSupport.DetachedDescriptor(SocketType.Dgram, ProtocolType.Udp, out var bound);
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.ListenEndPoints = [bound, new IPEndPoint(IPAddress.Loopback, 0)];
            o.LoopsPerAddress = 2;
            o.InheritedSockets = new Dictionary<IPEndPoint, int> { [bound] = fd };
        });

        Assert.Equal(3, listener.Endpoints.Count);
        Assert.Equal(fd, listener.Endpoints[0].Socket.Handle);
        Assert.Equal(bound, listener.LocalEndPoints[0]);
        Assert.Equal(listener.Endpoints[1].LocalEndPoint, listener.Endpoints[2].LocalEndPoint);

        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.Same(listener.Endpoints[0], server.Endpoint);
        }
    }

    [Fact]
    public void Listener_InheritedSocketForAnAddressItDoesNotListenOn_IsRefused()
    {
        var fd = UdpTestSupport.DetachedDescriptor(SocketType.Dgram, ProtocolType.Udp, out var bound);
        try
        {
            var error = Assert.Throws<ArgumentException>(() => QuicTestEnvironment.StartListener(o =>
                o.InheritedSockets = new Dictionary<IPEndPoint, int> { [bound] = fd }));

            Assert.Contains($"inherited socket is given for {bound}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal(0, Libc.close(fd));
        }
    }
}
