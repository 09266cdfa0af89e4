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

            // One series per loop of the address (loop="<address>#<index>"); the edge landed on one of them.
            double Sum(string family)
            {
                var samples = lines.Where(l => l.StartsWith($"bilbycast_relay_quic_{family}_total{{loop=\"{loop}#", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(samples);
                return samples.Sum(s => double.Parse(s[(s.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.Equal(1, Sum("handshakes_completed"));
            Assert.Equal(1, Sum("handshakes_failed"));
            Assert.Equal(0, Sum("receive_errors"));
            foreach (var family in (string[])["packets_received", "packets_sent", "bytes_received", "bytes_sent", "loop_busy_seconds"])
            {
                Assert.True(Sum(family) > 0, $"{family} should have counted the edge's traffic");
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
