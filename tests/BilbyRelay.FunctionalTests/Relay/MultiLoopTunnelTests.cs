using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// With two QUIC loops, the two ends of a tunnel may live on different loops: stream bytes and datagrams cross
/// from one loop's connection to the other's intact.
/// </summary>
public sealed class MultiLoopTunnelTests
{
    [Fact]
    public async Task EdgesOnDifferentLoops_TunnelTcpAndDatagramsByteExact()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.QuicThreads = 2);
        var (ingress, egress, strays) = await ConnectOnDifferentLoopsAsync(relay);
        await using var _ = ingress;
        await using var __ = egress;
        foreach (var stray in strays)
        {
            await stray.DisposeAsync();
        }

        var tunnel = Guid.NewGuid();
        await TunnelPair.BindBothAsync(ingress, egress, tunnel, "tcp");

        var opened = await ingress.OpenTunnelStreamAsync(tunnel, TestTimeouts.Token());
        var accepted = await egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var toEgress = Task.Run(() => TestPayload.WriteAsync(opened.Output, seed: 21, 8L * 1024 * 1024));
        var toIngress = Task.Run(() => TestPayload.WriteAsync(accepted.Stream.Output, seed: 22, 8L * 1024 * 1024));
        var atEgress = Task.Run(() => TestPayload.ReadToEndAsync(accepted.Stream.Input));
        var atIngress = Task.Run(() => TestPayload.ReadToEndAsync(opened.Input));
        await Task.WhenAll(toEgress, toIngress, atEgress, atIngress).WaitAsync(TestTimeouts.Default);
        Assert.Equal(await toEgress, (await atEgress).Sha256);
        Assert.Equal(await toIngress, (await atIngress).Sha256);

        var payload = TestPayload.Bytes(23, 1000);
        Assert.True(ingress.SendDatagram(tunnel, payload));
        var datagram = await egress.Datagrams.ReadAsync(TestTimeouts.Token());
        Assert.Equal(payload, datagram.AsSpan(16).ToArray());
        Assert.True(egress.SendDatagram(tunnel, payload));
        datagram = await ingress.Datagrams.ReadAsync(TestTimeouts.Token());
        Assert.Equal(payload, datagram.AsSpan(16).ToArray());
    }

    /// <summary>Connects edges until two sit on different loops (the kernel picks by a hash of each source port).</summary>
    private static async Task<(SimulatedEdge First, SimulatedEdge Second, List<SimulatedEdge> Strays)> ConnectOnDifferentLoopsAsync(InProcessRelay relay)
    {
        var first = await relay.ConnectEdgeAsync(new SimulatedEdgeOptions { OwnSocket = true });
        var firstLoop = LoopOfNewest(relay, [0, 0]);
        var strays = new List<SimulatedEdge>();
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var before = relay.ConnectionsPerLoop;
            var candidate = await relay.ConnectEdgeAsync(new SimulatedEdgeOptions { OwnSocket = true });
            if (LoopOfNewest(relay, before) != firstLoop)
            {
                return (first, candidate, strays);
            }

            strays.Add(candidate);
        }

        throw new InvalidOperationException("33 edges all landed on one loop: connections are not spread over the loops");
    }

    private static int LoopOfNewest(InProcessRelay relay, IReadOnlyList<int> before)
    {
        var now = relay.ConnectionsPerLoop;
        return Enumerable.Range(0, now.Count).Single(i => now[i] > before[i]);
    }
}
