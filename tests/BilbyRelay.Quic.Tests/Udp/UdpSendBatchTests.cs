using System.Net;
using BilbyRelay.Quic.Udp;
using Xunit;
using static BilbyRelay.Quic.Tests.Udp.UdpTestSupport;

namespace BilbyRelay.Quic.Tests.Udp;

/// <summary>Forwarding received datagrams to several destinations with one sendmmsg, and the native plane's bind options.</summary>
public sealed class UdpSendBatchTests
{
    [Fact]
    public void SendBatch_ForwardsReceivedDatagramsUnchanged_ToEachDestination()
    {
        using var relay = BindLoopbackV4();
        using var sender = BindLoopbackV4();
        using var first = BindLoopbackV4();
        using var second = BindLoopbackV4();
        using var received = new UdpReceiveBatch(8, UdpReceiveBatch.MaxBufferSize);
        using var batch = new UdpSendBatch(8);
        var payloads = Enumerable.Range(0, 4).Select(i => Pattern(i, i == 3 ? 65_000 : 1000 + i)).ToArray();
        foreach (var payload in payloads)
        {
            Assert.True(sender.TrySendDatagram(payload, Sockaddr(relay.LocalEndPoint)));
        }

        Assert.Equal(4, DrainInto(relay, received, 4, batch, first, second));
        var sent = relay.SendBatch(batch, out var bytes, out var failed);

        Assert.Equal(4, sent);
        Assert.Equal(0, failed);
        Assert.Equal(payloads.Sum(p => (long)p.Length), bytes);
        Assert.Equal(0, batch.Count);
        using var check = new UdpReceiveBatch(8, UdpReceiveBatch.MaxBufferSize);
        var atFirst = ReceiveAtLeast(first, check, 2);
        Assert.Equal([payloads[0], payloads[2]], atFirst.Select(d => d.Payload));
        Assert.All(atFirst, d => Assert.Equal(relay.LocalEndPoint, d.Source));
        var atSecond = ReceiveAtLeast(second, check, 2);
        Assert.Equal([payloads[1], payloads[3]], atSecond.Select(d => d.Payload));
        Assert.All(atSecond, d => Assert.False(d.Truncated));
    }

    [Fact]
    public void SendBatch_CoalescesEqualDatagramsToOnePeer_AndEachArrivesUnchangedInOrder()
    {
        using var relay = BindLoopbackV4();
        using var sender = BindLoopbackV4();
        using var target = BindLoopbackV4();
        using var other = BindLoopbackV4();
        Assert.True(relay.GsoSupported, "the test kernel supports UDP_SEGMENT");
        using var received = new UdpReceiveBatch(16, UdpReceiveBatch.MaxBufferSize);
        using var batch = new UdpSendBatch(16);

        // Five of one size, a shorter one that ends the run, two more, one to another peer, then a larger one.
        int[] lengths = [1316, 1316, 1316, 1316, 1316, 200, 1316, 1316, 1316, 1400];
        var payloads = lengths.Select((length, i) => Pattern(i, length)).ToArray();
        foreach (var payload in payloads)
        {
            Assert.True(sender.TrySendDatagram(payload, Sockaddr(relay.LocalEndPoint)));
        }

        var count = ReceiveInto(relay, received, payloads.Length);
        for (var i = 0; i < count; i++)
        {
            batch.Add(received, i, Sockaddr((i == 8 ? other : target).LocalEndPoint), coalesce: true);
        }

        // [0..5] one GSO message (the short one last), [6, 7] another, [8] to the other peer, [9] larger: alone.
        Assert.Equal(10, batch.Count);
        Assert.Equal(4, batch.MessageCount);
        var sent = relay.SendBatch(batch, out var bytes, out var failed);

        Assert.Equal(10, sent);
        Assert.Equal(0, failed);
        Assert.Equal(lengths.Sum(), bytes);
        Assert.Equal(2, relay.GsoSendCount);
        using var check = new UdpReceiveBatch(16, UdpReceiveBatch.MaxBufferSize);
        var atTarget = ReceiveAtLeast(target, check, 9);
        Assert.Equal(payloads.Where((_, i) => i != 8), atTarget.Select(d => d.Payload));
        Assert.All(atTarget, d => Assert.Equal(relay.LocalEndPoint, d.Source));
        Assert.Equal(payloads[8], Assert.Single(ReceiveAtLeast(other, check, 1)).Payload);
    }

    [Fact]
    public void Add_WithoutCoalescing_KeepsOneMessagePerDatagram()
    {
        using var relay = BindLoopbackV4();
        using var sender = BindLoopbackV4();
        using var target = BindLoopbackV4();
        using var received = new UdpReceiveBatch(4, UdpReceiveBatch.MaxBufferSize);
        using var batch = new UdpSendBatch(4);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(sender.TrySendDatagram(Pattern(i, 1316), Sockaddr(relay.LocalEndPoint)));
        }

        var count = ReceiveInto(relay, received, 3);
        for (var i = 0; i < count; i++)
        {
            batch.Add(received, i, Sockaddr(target.LocalEndPoint));
        }

        Assert.Equal(3, batch.MessageCount);
        Assert.Equal(3, relay.SendBatch(batch, out _, out _));
        Assert.Equal(0, relay.GsoSendCount);
    }

    [Fact]
    public void BindGroup_SharesOnePortOverSeveralSockets_AndASingleSocketDoesNotShare()
    {
        var group = UdpBatchSocket.BindGroup(new IPEndPoint(IPAddress.Loopback, 0), 3);
        try
        {
            Assert.Equal(3, group.Length);
            Assert.All(group, s => Assert.Equal(group[0].LocalEndPoint, s.LocalEndPoint));
            Assert.NotEqual(0, group[0].LocalEndPoint.Port);
        }
        finally
        {
            foreach (var socket in group)
            {
                socket.Dispose();
            }
        }

        using var single = Assert.Single(UdpBatchSocket.BindGroup(new IPEndPoint(IPAddress.Loopback, 0), 1));
        Assert.Throws<UdpSocketException>(() => UdpBatchSocket.Bind(single.LocalEndPoint, reusePort: true));
    }

    [Fact]
    public void Bind_WithReuseAddressAndLargeBuffers_ReportsTheGrantedSizes()
    {
        using var socket = UdpBatchSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), reuseAddress: true, bufferBytes: 32 * 1024 * 1024, probePathMtu: false);
        Assert.True(socket.ReceiveBufferSize > 0);
        Assert.True(socket.SendBufferSize > 0);

        // SO_REUSEADDR lets a second such socket share the address.
        using var twin = UdpBatchSocket.Bind(socket.LocalEndPoint, reuseAddress: true);
        Assert.Equal(socket.LocalEndPoint, twin.LocalEndPoint);
    }

    [Fact]
    public void InterfaceAddresses_IncludeLoopback()
    {
        var addresses = InterfaceAddresses.Read();
        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.Equal(addresses.Count, addresses.Distinct().Count());
    }

    // Receives until `expected` datagrams are in one batch (loopback delivers them at once; a late one fails the count).
    private static int ReceiveInto(UdpBatchSocket relay, UdpReceiveBatch received, int expected)
    {
        using var poller = new EventLoopPoller();
        poller.Register(relay.Handle);
        var events = new PollEvent[1];
        var count = 0;
        while (count == 0)
        {
            count = relay.ReceiveBatch(received);
            if (count == 0)
            {
                poller.Wait((int)Patience.TotalMilliseconds, events);
            }
        }

        Assert.Equal(expected, count);
        return count;
    }

    // Receives `expected` datagrams and queues them alternately for the two destinations.
    private static int DrainInto(UdpBatchSocket relay, UdpReceiveBatch received, int expected, UdpSendBatch batch, UdpBatchSocket first, UdpBatchSocket second)
    {
        var count = ReceiveInto(relay, received, expected);
        for (var i = 0; i < count; i++)
        {
            batch.Add(received, i, Sockaddr((i % 2 == 0 ? first : second).LocalEndPoint));
        }

        return count;
    }
}
