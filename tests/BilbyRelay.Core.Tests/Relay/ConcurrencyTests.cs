using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Relay;

public class ConcurrencyTests
{
    [Fact]
    public async Task TwoHundredEdges_BindTwoThousandTunnelsAtOnce_AllGetReady()
    {
        const int edgeCount = 200;
        const int tunnelCount = 2000;
        await using var relay = new RelayHarness();
        var edges = Enumerable.Range(0, edgeCount)
            .Select(i => relay.ConnectWithControl($"10.1.{i / 250}.{(i % 250) + 1}"))
            .ToArray();
        var ids = Enumerable.Range(0, tunnelCount).Select(_ => TunnelId.FromGuid(Guid.NewGuid())).ToArray();

        // Each tunnel joins two different edges; each edge binds about 20 slots.
        var plan = new List<(TunnelId Id, string Direction)>[edgeCount];
        for (int e = 0; e < edgeCount; e++)
        {
            plan[e] = [];
        }

        for (int t = 0; t < tunnelCount; t++)
        {
            int ingress = t % edgeCount;
            int egress = ((t * 7) + 3) % edgeCount;
            if (egress == ingress)
            {
                egress = (egress + 1) % edgeCount;
            }

            plan[ingress].Add((ids[t], "ingress"));
            plan[egress].Add((ids[t], "egress"));
        }

        var results = await Task.WhenAll(edges.Select((edge, e) => Task.Run(async () =>
        {
            // Pipeline every bind, then read the replies in order.
            foreach (var (id, direction) in plan[e])
            {
                await edge.SendAsync(EdgeClient.BindJson(id, direction));
            }

            var waitingFor = new HashSet<string>();
            var readyNow = 0;
            foreach (var (id, _) in plan[e])
            {
                var reply = await edge.ReadReplyAsync();
                Assert.Equal(id.ToString(), reply.GetProperty("tunnel_id").GetString());
                switch (reply.GetProperty("type").GetString())
                {
                    case "tunnel_waiting":
                        waitingFor.Add(id.ToString());
                        break;
                    case "tunnel_ready":
                        readyNow++;
                        break;
                    default:
                        Assert.Fail("unexpected reply " + reply.GetRawText());
                        break;
                }
            }

            // Every bind that waited is later made ready by the peer's bind, on a uni stream.
            var notified = new HashSet<string>();
            for (int i = 0; i < waitingFor.Count; i++)
            {
                var notification = await edge.ReadNotificationAsync();
                Assert.Equal("tunnel_ready", notification.GetProperty("type").GetString());
                Assert.True(notified.Add(notification.GetProperty("tunnel_id").GetString()!));
            }

            Assert.Equal(waitingFor, notified);
            return (Waiting: waitingFor.Count, Ready: readyNow);
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(tunnelCount, results.Sum(r => r.Waiting));
        Assert.Equal(tunnelCount, results.Sum(r => r.Ready));
        Assert.Equal(tunnelCount, relay.Relay.ActiveTunnels);
        Assert.Equal(tunnelCount, relay.Relay.Tunnels.Count);
        Assert.All(relay.Relay.ListTunnels(), t => Assert.Equal("active", t.Status));
        Assert.Equal(tunnelCount, relay.Relay.GetStats().PeakTunnels);
        Assert.Equal(edgeCount, relay.Relay.GetStats().PeakEdges);
    }

    [Fact]
    public async Task ManyEdgesDisconnectingAtOnce_LeaveNoTunnels()
    {
        const int pairs = 50;
        await using var relay = new RelayHarness();
        var edges = new List<EdgeClient>();
        for (int p = 0; p < pairs; p++)
        {
            var a = relay.ConnectWithControl($"10.2.0.{p + 1}");
            var b = relay.ConnectWithControl($"10.3.0.{p + 1}");
            for (int t = 0; t < 5; t++)
            {
                var id = TunnelId.FromGuid(Guid.NewGuid());
                await a.BindAsync(id, "ingress");
                await b.BindAsync(id, "egress");
            }

            edges.Add(a);
            edges.Add(b);
        }

        Assert.Equal(pairs * 5, relay.Relay.ActiveTunnels);
        await Task.WhenAll(edges.Select(e => Task.Run(e.Edge.Disconnect)));
        await Task.WhenAll(edges.Select(e => e.RunTask)).WaitAsync(TestTimeouts.Operation);

        Assert.Equal(0, relay.Relay.Tunnels.Count);
        Assert.Equal(0, relay.Relay.ActiveTunnels);
        Assert.Equal(0, relay.Relay.ConnectedEdges);
        Assert.Empty(relay.Relay.ListTunnels());
    }

    [Fact]
    public async Task RandomBindUnbindChurnWithDatagrams_KeepsSlotsConsistent()
    {
        const int edgeCount = 16;
        const int tunnelCount = 24;
        const int opsPerEdge = 150;
        await using var relay = new RelayHarness();
        var edges = Enumerable.Range(0, edgeCount).Select(i => relay.ConnectWithControl($"10.4.0.{i + 1}")).ToArray();
        var ids = Enumerable.Range(0, tunnelCount).Select(_ => TunnelId.FromGuid(Guid.NewGuid())).ToArray();
        using var stopDatagrams = new CancellationTokenSource();
        long datagramsSent = 0;

        var datagramSender = Task.Run(() =>
        {
            var random = new Random(99);
            var datagram = new byte[16 + 64];
            while (!stopDatagrams.IsCancellationRequested)
            {
                ids[random.Next(tunnelCount)].WriteBytes(datagram);
                edges[random.Next(edgeCount)].Edge.SendDatagram(datagram);
                datagramsSent++;
            }
        });

        await Task.WhenAll(edges.Select((edge, e) => Task.Run(async () =>
        {
            var random = new Random(e);
            for (int op = 0; op < opsPerEdge; op++)
            {
                var id = ids[random.Next(tunnelCount)];
                switch (random.Next(3))
                {
                    case 0:
                        await edge.SendAsync(EdgeClient.UnbindJson(id));
                        break;
                    default:
                        var reply = await edge.BindAsync(id, random.Next(2) == 0 ? "ingress" : "egress");
                        Assert.Contains(reply.GetProperty("type").GetString(), new[] { "tunnel_waiting", "tunnel_ready" });
                        break;
                }
            }

            await edge.PingAsync();
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        await stopDatagrams.CancelAsync();
        await datagramSender.WaitAsync(TestTimeouts.Operation);

        // Every slot in the table is held by a session that knows it holds it, and vice versa.
        var tunnels = new List<Tunnel>();
        relay.Relay.Tunnels.CopyTo(tunnels);
        Assert.Equal(relay.Relay.Tunnels.Count, tunnels.Count);
        int boundSlots = 0;
        var holders = new HashSet<BilbyRelay.Core.Relay.EdgeSession>();
        foreach (var tunnel in tunnels)
        {
            Assert.NotEqual(TunnelStatus.Empty, tunnel.Status);
            foreach (var direction in new[] { TunnelDirection.Ingress, TunnelDirection.Egress })
            {
                if (tunnel.GetSlot(direction) is { } holder)
                {
                    boundSlots++;
                    holders.Add(holder);
                    Assert.True(holder.HoldsSlot(tunnel.Id, direction));
                }
            }
        }

        Assert.Equal(boundSlots, holders.Sum(h => h.BoundSlotCount));
        Assert.Equal(tunnels.Count(t => t.Status == TunnelStatus.Active), relay.Relay.ActiveTunnels);

        var metrics = relay.Relay.Metrics;
        long drops = Enum.GetValues<BilbyRelay.Core.Metrics.DatagramDropReason>().Sum(metrics.GetDatagramDrops);
        Assert.Equal(datagramsSent, metrics.UdpDatagrams.Value + drops);

        foreach (var edge in edges)
        {
            edge.Edge.Disconnect();
        }

        await Task.WhenAll(edges.Select(e => e.RunTask)).WaitAsync(TestTimeouts.Operation);
        Assert.Equal(0, relay.Relay.Tunnels.Count);
        Assert.Equal(0, relay.Relay.ActiveTunnels);
    }
}
