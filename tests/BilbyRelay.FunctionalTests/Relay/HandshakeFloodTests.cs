using System.Globalization;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// The relay under a QUIC handshake flood: simulated edges (the relay's own QUIC client) pass Retry, and an
/// established edge keeps getting pongs while Initials from many source ports draw Retry packets.
/// </summary>
public sealed class HandshakeFloodTests
{
    [Fact]
    public async Task RetryForEveryone_EdgesConnectAndTunnelDatagrams()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.RetryAboveHandshakesPerSec = 0);

        await using var pair = await TunnelPair.BindAsync(relay.Endpoint, "udp");
        Assert.True(pair.Ingress.SendDatagram(pair.TunnelId, TestPayload.Bytes(1, 100)));
        await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token());

        Assert.True(relay.LoopCounters.Sum(l => l.HandshakesRetried) >= 2);
        Assert.Equal(2, relay.LoopCounters.Sum(l => l.HandshakesCompleted));
        Assert.Equal(0, relay.LoopCounters.Sum(l => l.HalfOpenConnections));
    }

    [Fact]
    public async Task FloodFromManyPorts_EstablishedEdgeKeepsGettingPongs_NewEdgeConnectsThroughRetry()
    {
        await using var relay = await InProcessRelay.StartAsync(c =>
        {
            c.RetryAboveHandshakesPerSec = 50;
            c.MaxHalfOpenConnections = 100;
        });
        await using var established = await relay.ConnectEdgeAsync();
        using var flood = new QuicInitialFlood(relay.Endpoint, sockets: 128);

        for (var round = 0; round < 20; round++)
        {
            flood.SendCrafted(count: 128);
            await established.PingAsync();
            await established.ExpectPongAsync();
        }

        var retries = await flood.WaitForRepliesAsync(QuicInitialFlood.Retry, minimum: 1, TestTimeouts.Default);
        Assert.True(retries > 0);
        Assert.True(relay.LoopCounters.Sum(l => l.HalfOpenConnections) <= 100);

        await using var late = await relay.ConnectEdgeAsync();
        await late.PingAsync();
        await late.ExpectPongAsync();
        Assert.True(relay.LoopCounters.Sum(l => l.HandshakesRetried) > 0);
    }

    [Fact]
    public async Task PublishedBinary_RetryForEveryone_EdgeConnects_AndMetricsCountTheRetry()
    {
        await using var relay = await PublishedRelay.StartAsync(new Dictionary<string, string> { ["BILBYRELAY_RETRY_ABOVE_HANDSHAKES_PER_SEC"] = "0" });
        await using var edge = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, TestTimeouts.Token());
        await edge.PingAsync();
        await edge.ExpectPongAsync();

        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var metrics = await http.GetStringAsync(new Uri($"http://{relay.ApiEndpoint}/metrics"));
        var retried = metrics.Split('\n')
            .Where(line => line.StartsWith("bilbycast_relay_quic_handshakes_retried_total{", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        Assert.True(retried >= 1, metrics);
        Assert.Contains("bilbycast_relay_quic_handshakes_refused_total{", metrics, StringComparison.Ordinal);
    }
}
