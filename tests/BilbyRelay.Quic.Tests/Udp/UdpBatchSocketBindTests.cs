using System.Net;
using System.Net.Sockets;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class UdpBatchSocketBindTests
{
    [Fact]
    public void BindIPv4PortZero_GetsEphemeralLoopbackPort()
    {
        using var socket = UdpTestSupport.BindLoopbackV4();

        Assert.Equal(AddressFamily.InterNetwork, socket.AddressFamily);
        Assert.Equal(IPAddress.Loopback, socket.LocalEndPoint.Address);
        Assert.NotEqual(0, socket.LocalEndPoint.Port);
        Assert.True(socket.Handle >= 0);
    }

    [Fact]
    public void BindIPv6PortZero_GetsEphemeralLoopbackPort()
    {
        using var socket = UdpTestSupport.BindLoopbackV6();

        Assert.Equal(AddressFamily.InterNetworkV6, socket.AddressFamily);
        Assert.Equal(IPAddress.IPv6Loopback, socket.LocalEndPoint.Address);
        Assert.NotEqual(0, socket.LocalEndPoint.Port);
    }

    [Fact]
    public unsafe void BindIPv6_SetsV6Only()
    {
        using var socket = UdpBatchSocket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        var value = 0;
        var length = (uint)sizeof(int);

        Assert.Equal(0, Libc.getsockopt(socket.Handle, LibcConstants.IPPROTO_IPV6, LibcConstants.IPV6_V6ONLY, &value, &length));
        Assert.Equal(1, value);
    }

    [Fact]
    public void BindIPv6Any_LeavesSameIPv4PortFree()
    {
        // A dual-stack socket on [::]:p would own 0.0.0.0:p too; a v6-only one does not.
        using var v6 = UdpBatchSocket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        using var v4 = UdpBatchSocket.Bind(new IPEndPoint(IPAddress.Any, v6.LocalEndPoint.Port));

        Assert.Equal(v6.LocalEndPoint.Port, v4.LocalEndPoint.Port);
    }

    [Fact]
    public void SendToV4MappedAddress_FromV6OnlySocket_IsDroppedAndCounted()
    {
        using var v4 = UdpTestSupport.BindLoopbackV4();
        using var v6 = UdpTestSupport.BindLoopbackV6();
        var mapped = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), v4.LocalEndPoint.Port));

        var consumed = v6.Send([1, 2, 3], mapped, 0);

        Assert.Equal(3, consumed);
        Assert.Equal(1, v6.SendDropCount);
        Assert.NotEqual(0, v6.LastSendError);
        using var batch = new UdpReceiveBatch(4, 64);
        Assert.Equal(0, v4.ReceiveBatch(batch));
    }

    [Fact]
    public void BindPortInUse_ThrowsWithErrnoAndAddress()
    {
        using var first = UdpTestSupport.BindLoopbackV4();

        var error = Assert.Throws<UdpSocketException>(() => UdpBatchSocket.Bind(first.LocalEndPoint));

        Assert.Equal(LibcConstants.EADDRINUSE, error.Errno);
        Assert.Contains(first.LocalEndPoint.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_AsksForLargeBuffers()
    {
        using var socket = UdpTestSupport.BindLoopbackV4();

        // The kernel's default is ~208 KiB; anything above shows the request took effect (capped by rmem_max when unprivileged).
        Assert.True(socket.ReceiveBufferSize > 256 * 1024, $"SO_RCVBUF is {socket.ReceiveBufferSize}");
        Assert.True(socket.SendBufferSize > 256 * 1024, $"SO_SNDBUF is {socket.SendBufferSize}");
    }

    [Fact]
    public void Dispose_ClosesHandleAndRejectsUse()
    {
        var socket = UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(1, 64);

        socket.Dispose();
        socket.Dispose();

        Assert.Equal(-1, socket.Handle);
        Assert.Throws<ObjectDisposedException>(() => socket.ReceiveBatch(batch));
    }
}
