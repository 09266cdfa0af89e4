using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class UdpBatchSocketErrorTests
{
    [Fact]
    public unsafe void ReceiveBatch_AfterIcmpPortUnreachable_SwallowsAndCountsError()
    {
        using var socket = UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(4, 64);
        using var poller = new EventLoopPoller();
        var closed = ClosedLoopbackPort();

        // Only a connected UDP socket is told about ICMP errors; that is the case this policy protects against.
        fixed (byte* peer = closed)
        {
            Assert.Equal(0, Libc.connect(socket.Handle, peer, (uint)closed.Length));
        }

        poller.Register(socket.Handle);
        Assert.Equal(3, socket.Send([1, 2, 3], closed, 0));

        // The pending socket error makes epoll report the socket (EPOLLERR → readable).
        var events = new PollEvent[4];
        Assert.Equal(1, poller.Wait(10_000, events));
        Assert.True(events[0].Readable);

        Assert.Equal(0, socket.ReceiveBatch(batch));
        Assert.Equal(1, socket.ReceiveErrorCount);
        Assert.Equal(LibcConstants.ECONNREFUSED, socket.LastReceiveError);
        Assert.Equal(0, poller.Wait(0, events));
    }

    private static byte[] ClosedLoopbackPort()
    {
        using var gone = UdpTestSupport.BindLoopbackV4();
        return UdpTestSupport.Sockaddr(gone.LocalEndPoint);
    }
}
