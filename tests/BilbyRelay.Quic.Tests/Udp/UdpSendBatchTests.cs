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

    // Receives `expected` datagrams and queues them alternately for the two destinations.
    private static int DrainInto(UdpBatchSocket relay, UdpReceiveBatch received, int expected, UdpSendBatch batch, UdpBatchSocket first, UdpBatchSocket second)
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
        for (var i = 0; i < count; i++)
        {
            batch.Add(received, i, Sockaddr((i % 2 == 0 ? first : second).LocalEndPoint));
        }

        return count;
    }
}
