using System.Net;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.FunctionalTests.Management;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.NativeUdp;

/// <summary>
/// The native UDP plane on two loops (<c>quic_threads = 2</c>): every loop owns one SO_REUSEPORT socket of every
/// native address and the kernel picks the loop from the peer's address and port. The tests place the two ends of a
/// tunnel on different loops by trying source ports until the loops' receive counters show the wanted one.
/// </summary>
public sealed class NativeUdpMultiLoopTests
{
    private const int Loops = 2;

    // Each try lands on the other loop with probability 1/2; 64 failures in a row would be a broken spread.
    private const int PlacementAttempts = 64;

    private static async Task<(FakeManager Manager, ComposedRelay Relay)> StartAsync(int addresses)
    {
        var manager = await FakeManager.StartAsync();
        try
        {
            var relay = await ComposedRelay.StartAsync(manager, c =>
            {
                c.QuicThreads = Loops;
                c.UdpRelayAddrs = [.. Enumerable.Range(0, addresses).Select(_ => new IPEndPoint(IPAddress.Loopback, 0))];
            });
            return (manager, relay);
        }
        catch
        {
            await manager.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers <paramref name="edge"/> and returns the loop that handled the register.</summary>
    private static async Task<int> RegisterOnLoopAsync(ComposedRelay relay, NativeUdpEdge edge, Guid tunnel, string direction)
    {
        var before = relay.NativeUdp.LoopDatagramsReceived;
        await edge.RegisterAsync(tunnel, direction);

        // The loop counts a datagram before it handles it, so the ack proves the count is in.
        var after = relay.NativeUdp.LoopDatagramsReceived;
        var moved = Enumerable.Range(0, after.Count).Where(i => after[i] != before[i]).ToArray();
        return Assert.Single(moved);
    }

    /// <summary>An ingress edge on 127.0.0.3 registered through <paramref name="plane"/> and served by a loop other than <paramref name="avoidLoop"/>.</summary>
    private static async Task<(NativeUdpEdge Edge, int Loop)> IngressOnAnotherLoopAsync(ComposedRelay relay, IPEndPoint plane, Guid tunnel, int avoidLoop)
    {
        for (var attempt = 0; attempt < PlacementAttempts; attempt++)
        {
            // Each attempt is a new source port; its register moves the slot there (a NAT rebind: no media yet).
            var edge = new NativeUdpEdge("127.0.0.3", plane);
            var loop = await RegisterOnLoopAsync(relay, edge, tunnel, "ingress");
            if (loop != avoidLoop)
            {
                return (edge, loop);
            }

            edge.Dispose();
        }

        Assert.Fail($"no source port of 127.0.0.3 reached a loop other than {avoidLoop} in {PlacementAttempts} attempts");
        throw new InvalidOperationException();
    }

    [Fact]
    public async Task EndsOnDifferentLoops_ExchangeDatagramsBothWays_FromTheAddressEachDialled()
    {
        var (manager, relay) = await StartAsync(addresses: 2);
        await using var _m = manager;
        await using var _r = relay;
        Assert.Equal(Loops, relay.NativeUdp.LoopCount);
        var planes = relay.NativeUdp.LocalEndPoints;
        Assert.Equal(2, planes.Count);
        Assert.NotEqual(planes[0], planes[1]);
        var tunnel = Guid.NewGuid();

        // The sender dials the first address, the receiver the second, and they are served by different loops.
        using var egress = new NativeUdpEdge("127.0.0.2", planes[0]);
        var egressLoop = await RegisterOnLoopAsync(relay, egress, tunnel, "egress");
        var (ingress, ingressLoop) = await IngressOnAnotherLoopAsync(relay, planes[1], tunnel, egressLoop);
        using var _i = ingress;
        Assert.NotEqual(egressLoop, ingressLoop);

        // ReceiveAsync checks the source: each end hears from exactly the relay address it dialled.
        const int EachWay = 50;
        for (var i = 0; i < EachWay; i++)
        {
            var media = NativeUdpEdge.Media(tunnel, 1316, seed: i);
            egress.Send(media);
            Assert.Equal(media, await ingress.ReceiveAsync());
            var back = NativeUdpEdge.Media(tunnel, 64, seed: 1000 + i);
            ingress.Send(back);
            Assert.Equal(back, await egress.ReceiveAsync());
        }

        var sessions = relay.NativeUdp.Sessions;
        var metrics = sessions.Metrics;
        var expectedBytes = EachWay * (long)(16 + 1316 + 16 + 64);

        // A loop counts what it sent once sendmmsg returns, which can be just after the datagram arrived.
        await Polling.UntilAsync(() => metrics.DatagramsForwarded == 2 * EachWay, TestTimeouts.Default, () => $"{metrics.DatagramsForwarded} forwarded");
        Assert.Equal(expectedBytes, metrics.BytesForwarded);
        Assert.Equal(expectedBytes, metrics.BytesReceived);
        Assert.Equal(1, sessions.SessionCount);
        Assert.Equal(1, sessions.ActiveSessionCount);
        var session = sessions.Find(TunnelId.FromGuid(tunnel));
        Assert.NotNull(session);
        Assert.Equal(2 * EachWay, session.Datagrams);
        Assert.Equal(EachWay * (16L + 1316), session.Egress.Bytes);
        Assert.Equal(EachWay * (16L + 64), session.Ingress.Bytes);
        Assert.Equal(UdpPeerAddress.FromEndPoint(ingress.LocalEndPoint), session.Ingress.Address);
        Assert.Equal(0, metrics.GetDrops(NativeUdpDropReason.SendError));
        Assert.All(relay.NativeUdp.LoopDatagramsReceived, count => Assert.True(count > EachWay, $"a loop received only {count} datagrams"));
    }

    [Fact]
    public async Task ABurstToOnePeer_FromAnotherLoop_ArrivesWholeAndInOrder()
    {
        var (manager, relay) = await StartAsync(addresses: 1);
        await using var _m = manager;
        await using var _r = relay;
        var plane = relay.NativeUdp.LocalEndPoints[0];
        var tunnel = Guid.NewGuid();
        using var egress = new NativeUdpEdge("127.0.0.2", plane);
        var egressLoop = await RegisterOnLoopAsync(relay, egress, tunnel, "egress");
        var (ingress, _) = await IngressOnAnotherLoopAsync(relay, plane, tunnel, egressLoop);
        using var _i = ingress;

        // Equal-sized datagrams to one peer leave coalesced (UDP GSO) where the kernel allows it; a shorter one ends a
        // coalesced send and a larger one starts a new one. The receiver must see each datagram unchanged, in order.
        var burst = Enumerable.Range(0, 200)
            .Select(i => NativeUdpEdge.Media(tunnel, i % 50 == 49 ? 100 : i % 70 == 69 ? 1400 : 1316, seed: i))
            .ToArray();
        // Bursts of 40 stay well inside the receiving socket's default buffer.
        foreach (var chunk in burst.Chunk(40))
        {
            foreach (var media in chunk)
            {
                egress.Send(media);
            }

            foreach (var media in chunk)
            {
                Assert.Equal(media, await ingress.ReceiveAsync());
            }
        }

        var metrics = relay.NativeUdp.Sessions.Metrics;
        await Polling.UntilAsync(() => metrics.DatagramsForwarded == burst.Length, TestTimeouts.Default, () => $"{metrics.DatagramsForwarded} forwarded");
        Assert.Equal(burst.Sum(m => (long)m.Length), metrics.BytesForwarded);
    }
}
