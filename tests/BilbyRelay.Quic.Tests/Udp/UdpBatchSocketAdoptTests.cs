using System.Net;
using System.Net.Sockets;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

/// <summary>Taking over a socket someone else bound, as systemd socket activation passes them.</summary>
public sealed class UdpBatchSocketAdoptTests
{
    [Fact]
    public void Adopt_BlockingInheritableSocket_BecomesNonBlockingCloseOnExecAndServes()
    {
        var fd = UdpTestSupport.DetachedDescriptor(SocketType.Dgram, ProtocolType.Udp, out var bound);
        Assert.Equal(0, Libc.fcntl(fd, LibcConstants.F_SETFD, 0));
        Assert.Equal(0, Libc.fcntl(fd, LibcConstants.F_GETFL, 0) & LibcConstants.O_NONBLOCK);

        using var socket = UdpBatchSocket.Adopt(fd);

        Assert.Equal(fd, socket.Handle);
        Assert.Equal(bound, socket.LocalEndPoint);
        Assert.Equal(AddressFamily.InterNetwork, socket.AddressFamily);
        Assert.NotEqual(0, Libc.fcntl(fd, LibcConstants.F_GETFL, 0) & LibcConstants.O_NONBLOCK);
        Assert.Equal(LibcConstants.FD_CLOEXEC, Libc.fcntl(fd, LibcConstants.F_GETFD, 0) & LibcConstants.FD_CLOEXEC);
        using var batch = new UdpReceiveBatch(4, 2048);
        Assert.Equal(0, socket.ReceiveBatch(batch));

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.SendTo([7, 8, 9], bound);
        var received = UdpTestSupport.ReceiveAtLeast(socket, batch, 1);
        Assert.Equal([7, 8, 9], received[0].Payload);
    }

    [Fact]
    public void Adopt_TcpSocket_FailsNamingTheDescriptor()
    {
        var fd = UdpTestSupport.DetachedDescriptor(SocketType.Stream, ProtocolType.Tcp, out _);

        var error = Assert.Throws<IOException>(() => UdpBatchSocket.Adopt(fd));

        Assert.Equal($"inherited socket (descriptor {fd}) is not a datagram (UDP) socket", error.Message);
    }
}
