using System.Net;
using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Edges;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Hosting;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>The QUIC loop counters as an operator scrapes them from the composed relay.</summary>
public sealed class EngineMetricsTests
{
    [Fact]
    public async Task Metrics_CountAnEdgesHandshakeAndTrafficUnderItsLoopAddress()
    {
        using var lifetime = new RelayLifetime(Logger.Null);
        var config = new RelayConfig
        {
            QuicAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
            ApiAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
        };
        var (_, components) = RelayComposition.Compose(config, Logger.Null, lifetime);
        var started = new List<IRelayComponent>();
        try
        {
            foreach (var component in components)
            {
                await component.StartAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
                started.Add(component);
            }

            var loop = components.OfType<EdgeListenerComponent>().Single().LocalEndPoints[0];
            await using (var edge = await SimulatedEdge.ConnectAsync(loop, null, TestTimeouts.Token()))
            {
                // A pong proves the relay accepted the connection, so its side of the handshake is counted.
                await edge.ExpectPongAsync();
            }

            // A client offering another ALPN fails on the relay before it hears why.
            await Assert.ThrowsAsync<QuicException>(async () => await QuicConnection.ConnectAsync(
                new QuicClientOptions { RemoteEndPoint = loop, Alpn = "not-bilbycast", SkipCertificateValidation = true },
                TestTimeouts.Token()));

            using var client = new HttpClient { Timeout = TestTimeouts.Default };
            var stats = components.OfType<StatsComponent>().Single().Server.LocalEndPoints[0];
            var lines = (await client.GetStringAsync(new Uri($"http://{stats}/metrics"))).Split('\n');

            var label = $"{{loop=\"{loop}\"}}";
            Assert.Contains($"bilbycast_relay_quic_handshakes_completed_total{label} 1", lines);
            Assert.Contains($"bilbycast_relay_quic_handshakes_failed_total{label} 1", lines);
            Assert.Contains($"bilbycast_relay_quic_receive_errors_total{label} 0", lines);
            foreach (var family in (string[])["packets_received", "packets_sent", "bytes_received", "bytes_sent", "loop_busy_seconds"])
            {
                var sample = Assert.Single(lines, l => l.StartsWith($"bilbycast_relay_quic_{family}_total{label} ", StringComparison.Ordinal));
                var value = double.Parse(sample[(sample.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(value > 0, $"{sample} should have counted the edge's traffic");
            }
        }
        finally
        {
            for (var i = started.Count - 1; i >= 0; i--)
            {
                await started[i].StopAsync(TestTimeouts.Token());
            }
        }
    }
}
