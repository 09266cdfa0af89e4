using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.2 under load over real QUIC: many edges binding many tunnels at once.</summary>
public sealed class BindConcurrencyTests
{
    private const int Edges = 200;
    private const int Tunnels = 2000;
    private const int EgressEdgeOffset = 7;

    [Fact]
    public async Task Bind_200EdgesPairing2000TunnelsAtOnce_EveryEdgeHearsEveryReady()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxConnectionsPerIp = Edges);
        var tunnels = Enumerable.Range(0, Tunnels).Select(_ => Guid.NewGuid()).ToArray();

        // Tunnel k: ingress on edge k % 200, egress on edge (k + 7) % 200. Every edge holds 10 ingress
        // and 10 egress slots, and each pair is split across two edges.
        var slots = Enumerable.Range(0, Edges).Select(_ => new List<(Guid Tunnel, string Direction)>()).ToArray();
        for (int k = 0; k < Tunnels; k++)
        {
            slots[k % Edges].Add((tunnels[k], "ingress"));
            slots[(k + EgressEdgeOffset) % Edges].Add((tunnels[k], "egress"));
        }

        var edges = new SimulatedEdge[Edges];
        try
        {
            await Parallel.ForAsync(0, Edges, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
                edges[i] = await relay.ConnectEdgeAsync());

            // Every edge sends all its binds at once; then collects one tunnel_ready per slot, from its
            // control stream (it bound second) or from a notification (it bound first and was waiting).
            var outcomes = await Task.WhenAll(Enumerable.Range(0, Edges).Select(i => Task.Run(async () =>
            {
                var edge = edges[i];
                foreach (var (tunnel, direction) in slots[i])
                {
                    await edge.BindAsync(tunnel, direction, "udp");
                }

                var ready = new HashSet<string>();
                int waiting = 0;
                for (int n = 0; n < slots[i].Count; n++)
                {
                    var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());
                    switch (reply.Type)
                    {
                        case "tunnel_ready":
                            Assert.True(ready.Add(reply.TunnelId!), $"second tunnel_ready for {reply.TunnelId}");
                            break;
                        case "tunnel_waiting":
                            waiting++;
                            break;
                        default:
                            Assert.Fail($"edge {i}: unexpected reply {reply}");
                            break;
                    }
                }

                for (int n = 0; n < waiting; n++)
                {
                    var notification = await edge.ReceiveNotificationAsync(TestTimeouts.Token());
                    Assert.Equal("tunnel_ready", notification.Type);
                    Assert.True(ready.Add(notification.TunnelId!), $"second tunnel_ready for {notification.TunnelId}");
                }

                return ready;
            }))).WaitAsync(TimeSpan.FromMinutes(1));

            for (int i = 0; i < Edges; i++)
            {
                Assert.Equal(slots[i].Select(s => s.Tunnel.ToString("D")).Order(), outcomes[i].Order());
            }

            Assert.Equal(Tunnels, relay.Relay.ActiveTunnels);
            var listed = relay.Relay.ListTunnels();
            Assert.Equal(Tunnels, listed.Count);
            Assert.All(listed, t => Assert.Equal("active", t.Status));
            Assert.Equal(Tunnels, relay.Relay.Metrics.PeakTunnels);
            Assert.Equal(Edges, relay.Relay.Metrics.PeakEdges);

            // Nothing more is pending anywhere: each edge's next reply is the pong to its ping.
            await Task.WhenAll(edges.Select(e => e.ExpectPongAsync()));
            Assert.All(edges, e => Assert.False(e.TryReceiveNotification(out _)));
        }
        finally
        {
            await Task.WhenAll(edges.Where(e => e is not null).Select(e => e.DisposeAsync().AsTask()));
        }
    }
}
