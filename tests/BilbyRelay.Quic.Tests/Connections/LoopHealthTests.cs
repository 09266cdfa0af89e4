using System.Net.Sockets;
using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

/// <summary>What a listener tells its owner about its loops: per-loop counters and the death of a loop.</summary>
public sealed class LoopHealthTests
{
    [Fact]
    public async Task LoopFault_CompletesLoopFaulted_WithTheLoopAndTheException_AndClosesItsConnections()
    {
        var log = new List<QuicLogEvent>();
        await using var listener = QuicTestEnvironment.StartListener(o => o.Log = e =>
        {
            lock (log)
            {
                log.Add(e);
            }
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using var clientConnection = client;
        await using var serverConnection = server;
        Assert.False(listener.LoopFaulted.IsCompleted);

        listener.InjectLoopFault(0, new InvalidOperationException("loop defect"));

        var fault = await listener.LoopFaulted.WaitAsync(QuicTestEnvironment.Timeout);
        Assert.Equal(listener.LocalEndPoints[0], fault.LocalEndPoint);
        Assert.Equal("loop defect", fault.Exception.Message);
        Assert.Equal($"QUIC loop on {listener.LocalEndPoints[0]} failed: loop defect", fault.Description);

        // The dead loop closed what it served, and the fault went to the owner rather than the log.
        var closed = await server.Closed.WaitAsync(QuicTestEnvironment.Timeout);
        Assert.Equal(QuicCloseReason.EndpointShutdown, closed.Reason);
        lock (log)
        {
            Assert.DoesNotContain(log, e => e.Message.Contains("loop defect", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task LoopCounters_CountTrafficHandshakesAndDrops()
    {
        await using var listener = QuicTestEnvironment.StartListener();

        // Loopback delivers in send order into the one socket, so the loop has dropped this stray datagram by the time
        // it has served the handshakes below.
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await socket.SendToAsync(new byte[] { 0x01, 0x02, 0x03 }, listener.LocalEndPoints[0]);
        }

        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await client.DisposeAsync();
        await server.DisposeAsync();

        // The server refuses the ALPN, so its side has failed (and counted) before the client hears why.
        await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(QuicTestEnvironment.ClientOptions(listener, o => o.Alpn = "something-else")));

        var counters = Assert.Single(listener.GetLoopCounters());
        Assert.Equal(listener.LocalEndPoints[0], counters.LocalEndPoint);
        Assert.Equal(1, counters.HandshakesCompleted);
        Assert.Equal(1, counters.HandshakesFailed);
        Assert.True(counters.PacketsDropped >= 1, $"packets dropped {counters.PacketsDropped}");
        Assert.True(counters.PacketsReceived > 2, $"packets received {counters.PacketsReceived}");
        Assert.True(counters.PacketsSent > 2, $"packets sent {counters.PacketsSent}");
        Assert.True(counters.BytesReceived >= 1200 * 2, $"bytes received {counters.BytesReceived}");
        Assert.True(counters.BytesSent > 1200, $"bytes sent {counters.BytesSent}");
        Assert.True(counters.BusyTime > TimeSpan.Zero, $"busy {counters.BusyTime}");
        Assert.Equal(0, counters.ReceiveErrors);
        Assert.Equal(0, counters.SendsDropped);
    }
}
