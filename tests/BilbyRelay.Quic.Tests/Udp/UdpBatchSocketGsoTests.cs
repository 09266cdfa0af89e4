using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class UdpBatchSocketGsoTests
{
    private const int SegmentSize = 1200;

    [Theory]
    [InlineData(false, 10 * SegmentSize)]
    [InlineData(false, (9 * SegmentSize) + 500)]
    [InlineData(true, (9 * SegmentSize) + 500)]
    public void SendSegmented_ArrivesAsSeparateDatagrams(bool ipv6, int totalLength)
    {
        using var sender = ipv6 ? UdpTestSupport.BindLoopbackV6() : UdpTestSupport.BindLoopbackV4();
        using var receiver = ipv6 ? UdpTestSupport.BindLoopbackV6() : UdpTestSupport.BindLoopbackV4();
        var payload = UdpTestSupport.Pattern(7, totalLength);

        var consumed = sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), SegmentSize);

        Assert.Equal(totalLength, consumed);
        AssertArrivedAsSegments(receiver, payload);
        Assert.Equal(sender.GsoSupported ? 1 : 0, sender.GsoSendCount);
    }

    [Fact]
    public void SendSegmented_WithGsoDisabled_UsesFallbackAndArrivesAsSeparateDatagrams()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        sender.DisableGso();
        var payload = UdpTestSupport.Pattern(3, (5 * SegmentSize) + 1);

        var consumed = sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), SegmentSize);

        Assert.False(sender.GsoSupported);
        Assert.Equal(payload.Length, consumed);
        Assert.Equal(0, sender.GsoSendCount);
        AssertArrivedAsSegments(receiver, payload);
    }

    [Fact]
    public void SendSegmented_MoreThanOneGsoCall_SplitsAtSegmentLimit()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        const int Small = 100;
        var payload = UdpTestSupport.Pattern(5, (UdpBatchSocket.MaxGsoSegments + 6) * Small);

        var consumed = sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), Small);

        Assert.Equal(payload.Length, consumed);
        Assert.Equal(sender.GsoSupported ? 2 : 0, sender.GsoSendCount);
        AssertArrivedAsSegments(receiver, payload, Small);
    }

    [Fact]
    public void SendSegmented_PayloadNotLargerThanSegment_SendsOneDatagramWithoutGso()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        var payload = UdpTestSupport.Pattern(1, SegmentSize);

        Assert.Equal(SegmentSize, sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), SegmentSize));

        Assert.Equal(0, sender.GsoSendCount);
        AssertArrivedAsSegments(receiver, payload);
    }

    [Fact]
    public void GsoSupported_OnThisKernel_IsProbedTrue()
    {
        // Linux ≥ 4.18 answers getsockopt(UDP_SEGMENT); the relay's supported kernels all do.
        using var socket = UdpTestSupport.BindLoopbackV4();

        Assert.True(socket.GsoSupported);
    }

    [Fact]
    public void ReceiveOffload_BurstArrivesInOneSlot_AndSplitsBackIntoTheSentDatagrams()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        Assert.True(receiver.TryEnableReceiveOffload());
        using var batch = new UdpReceiveBatch(8, UdpReceiveBatch.MaxBufferSize, receiveOffload: true);
        var payload = UdpTestSupport.Pattern(9, (9 * SegmentSize) + 500);

        Assert.Equal(payload.Length, sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), SegmentSize));

        var slots = UdpTestSupport.ReceiveAtLeast(receiver, batch, 1);
        var slot = Assert.Single(slots);
        Assert.Equal(payload, slot.Payload);
        Assert.Equal(SegmentSize, slot.SegmentSize);
    }

    [Fact]
    public void ReceiveOffload_ASingleDatagram_ReportsNoSegmentSize()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        Assert.True(receiver.TryEnableReceiveOffload());
        using var batch = new UdpReceiveBatch(8, UdpReceiveBatch.MaxBufferSize, receiveOffload: true);
        var payload = UdpTestSupport.Pattern(4, 700);

        sender.Send(payload, UdpTestSupport.Sockaddr(receiver.LocalEndPoint), SegmentSize);

        var slot = Assert.Single(UdpTestSupport.ReceiveAtLeast(receiver, batch, 1));
        Assert.Equal(payload, slot.Payload);
        Assert.Equal(0, slot.SegmentSize);
    }

    [Fact]
    public void ReceiveOffload_NeedsSlotsThatHoldAWholeRun()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpReceiveBatch(8, 2048, receiveOffload: true));
    }

    private static void AssertArrivedAsSegments(UdpBatchSocket receiver, byte[] payload, int segmentSize = SegmentSize)
    {
        using var batch = new UdpReceiveBatch(UdpReceiveBatch.DefaultCapacity, UdpReceiveBatch.DefaultBufferSize);
        var expected = payload.Chunk(segmentSize).ToList();

        var received = UdpTestSupport.ReceiveAtLeast(receiver, batch, expected.Count);

        Assert.Equal(expected.Count, received.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], received[i].Payload);
        }
    }
}
