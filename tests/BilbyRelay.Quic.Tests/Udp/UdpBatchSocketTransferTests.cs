using System.Net;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class UdpBatchSocketTransferTests
{
    public static TheoryData<bool> Families => [false, true];

    [Theory]
    [MemberData(nameof(Families))]
    public void SendManyVaryingSizes_ReceivedByteExactWithSource(bool ipv6)
    {
        using var sender = ipv6 ? UdpTestSupport.BindLoopbackV6() : UdpTestSupport.BindLoopbackV4();
        using var receiver = ipv6 ? UdpTestSupport.BindLoopbackV6() : UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(16, UdpReceiveBatch.DefaultBufferSize);
        var destination = UdpTestSupport.Sockaddr(receiver.LocalEndPoint);
        const int Count = 100;
        var sizes = Enumerable.Range(0, Count).Select(i => 1 + (i * 97 % 2000)).ToArray();

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(sizes[i], sender.Send(UdpTestSupport.Pattern(i, sizes[i]), destination, 0));
        }

        var received = UdpTestSupport.ReceiveAtLeast(receiver, batch, Count);

        Assert.Equal(Count, received.Count);
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(UdpTestSupport.Pattern(i, sizes[i]), received[i].Payload);
            Assert.Equal(sender.LocalEndPoint, received[i].Source);
            Assert.False(received[i].Truncated);
        }
    }

    [Fact]
    public void ReceiveBatch_ExposesRawSourceAddress()
    {
        using var sender = UdpTestSupport.BindLoopbackV6();
        using var receiver = UdpTestSupport.BindLoopbackV6();
        using var batch = new UdpReceiveBatch(4, 64);
        Assert.Equal(5, sender.Send([1, 2, 3, 4, 5], UdpTestSupport.Sockaddr(receiver.LocalEndPoint), 0));

        Assert.Single(UdpTestSupport.ReceiveAtLeast(receiver, batch, 1));

        Assert.Equal(28, batch.SourceAddressLength(0));
        Assert.True(SocketAddressCodec.Equals(batch.SourceAddress(0), UdpTestSupport.Sockaddr(sender.LocalEndPoint)));
        Assert.Equal(5, batch.PayloadLength(0));
    }

    [Fact]
    public void ReceiveBatch_EmptySocket_ReturnsZero()
    {
        using var socket = UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(8, 256);

        Assert.Equal(0, socket.ReceiveBatch(batch));
        Assert.Equal(0, socket.ReceiveBatch(batch));
        Assert.Equal(0, socket.ReceiveErrorCount);
    }

    [Fact]
    public void ReceiveBatch_OversizedDatagram_IsTruncatedAndFlagged()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(4, 64);
        var destination = UdpTestSupport.Sockaddr(receiver.LocalEndPoint);
        sender.Send(UdpTestSupport.Pattern(0, 100), destination, 0);
        sender.Send(UdpTestSupport.Pattern(1, 64), destination, 0);

        var received = UdpTestSupport.ReceiveAtLeast(receiver, batch, 2);

        Assert.Equal(2, received.Count);
        Assert.True(received[0].Truncated);
        Assert.Equal(UdpTestSupport.Pattern(0, 100)[..64], received[0].Payload);
        Assert.False(received[1].Truncated);
        Assert.Equal(UdpTestSupport.Pattern(1, 64), received[1].Payload);
    }

    [Fact]
    public void ReceiveBatch_MoreQueuedThanCapacity_ReturnsCapacityThenRest()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        using var batch = new UdpReceiveBatch(4, 64);
        var destination = UdpTestSupport.Sockaddr(receiver.LocalEndPoint);
        for (var i = 0; i < 6; i++)
        {
            sender.Send(UdpTestSupport.Pattern(i, 10 + i), destination, 0);
        }

        var received = UdpTestSupport.ReceiveAtLeast(receiver, batch, 6);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => 10 + i), received.Select(d => d.Payload.Length));
    }

    [Fact]
    public void Send_WrongFamilyDestination_Throws()
    {
        using var socket = UdpTestSupport.BindLoopbackV4();
        var v6 = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.IPv6Loopback, 9));

        Assert.Throws<ArgumentException>(() => socket.Send([1], v6, 0));
        Assert.Throws<ArgumentException>(() => socket.Send([], UdpTestSupport.Sockaddr(socket.LocalEndPoint), 0));
    }
}
