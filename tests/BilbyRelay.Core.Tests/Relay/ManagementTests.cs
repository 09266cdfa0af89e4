using BilbyRelay.Core.Events;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Relay;

public class ManagementTests
{
    [Fact]
    public async Task CloseTunnel_RemovesAndNotifiesEachBoundSide()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var b = relay.ConnectWithControl();
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await a.BindAsync(id, "ingress");
        await b.BindAsync(id, "egress");
        await a.ReadNotificationAsync();

        var result = relay.Relay.CloseTunnel(id, TunnelDownReasons.ClosedByManager);

        Assert.True(result.Found);
        Assert.Equal(2, result.PeersNotified);
        foreach (var edge in new[] { a, b })
        {
            var down = await edge.ReadNotificationAsync();
            Assert.Equal("tunnel_down", down.GetProperty("type").GetString());
            Assert.Equal("tunnel closed by manager", down.GetProperty("reason").GetString());
        }

        Assert.Empty(relay.Relay.ListTunnels());
        Assert.Equal(0, relay.Relay.ActiveTunnels);
        Assert.Equal(new CloseTunnelResultView(false, 0), View(relay.Relay.CloseTunnel(id, "again")));

        // The slots were freed: both edges can bind again within their caps.
        Assert.Equal("tunnel_waiting", (await a.BindAsync(id, "ingress")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task CloseTunnel_WaitingTunnelNotifiesTheOneSide()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await a.BindAsync(id, "egress");
        var result = relay.Relay.CloseTunnel(id, TunnelDownReasons.DeletedViaRestApi);
        Assert.Equal(1, result.PeersNotified);
        Assert.Equal("tunnel deleted via relay REST API", (await a.ReadNotificationAsync()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task DisconnectEdge_ByConnectionIdOrIdentifiedId()
    {
        await using var relay = new RelayHarness();
        var named = relay.ConnectWithControl();
        var anonymous = relay.ConnectWithControl();
        await named.SendAsync("""{"type":"identify","edge_id":"edge-A"}""");
        await named.PingAsync();
        await anonymous.PingAsync();
        string anonymousId = relay.Relay.ListEdges().Single(e => e.EdgeId != "edge-A").ConnectionId;

        Assert.False(relay.Relay.DisconnectEdge("nobody"));
        Assert.True(relay.Relay.DisconnectEdge("edge-A"));
        await named.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.Equal(RelayErrorCodes.DisconnectedByOperator, named.Connection.CloseInfo!.Value.Code);

        Assert.True(relay.Relay.DisconnectEdge(anonymousId));
        await anonymous.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.Empty(relay.Relay.ListEdges());
    }

    [Fact]
    public async Task Stats_ReportCountsBytesAndPeaks()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var b = relay.ConnectWithControl();
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await a.BindAsync(id, "ingress");
        await b.BindAsync(id, "egress");
        byte[] datagram = new byte[16 + 100];
        id.WriteBytes(datagram);
        a.Edge.SendDatagram(datagram);
        a.Edge.SendDatagram(datagram);
        b.Edge.SendDatagram(datagram.AsSpan(0, 16 + 10));
        relay.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((200 + 10) * 8, relay.Relay.SampleBandwidth());
        relay.Time.Advance(TimeSpan.FromSeconds(41));

        var stats = relay.Relay.GetStats();
        Assert.Equal(42, stats.UptimeSecs);
        Assert.Equal(2, stats.ConnectedEdges);
        Assert.Equal(1, stats.TotalTunnels);
        Assert.Equal(1, stats.ActiveTunnels);
        Assert.Equal(200, stats.TotalBytesIngress);
        Assert.Equal(10, stats.TotalBytesEgress);
        Assert.Equal(210, stats.TotalBytesForwarded);
        Assert.Equal(1680, stats.TotalBandwidthBps);
        Assert.Equal(3, stats.TotalUdpDatagrams);
        Assert.Equal(1, stats.PeakTunnels);
        Assert.Equal(2, stats.PeakEdges);
        Assert.Equal(2, stats.ConnectionsTotal);

        var info = Assert.Single(relay.Relay.ListTunnels());
        Assert.Equal(200, info.Stats.BytesIngress);
        Assert.Equal(10, info.Stats.BytesEgress);
        Assert.Equal(3, info.Stats.UdpDatagramsTotal);
        Assert.Equal(42, info.Stats.UptimeSecs);
        Assert.Equal(0, relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.NoPeer));
    }

    private static CloseTunnelResultView View(BilbyRelay.Core.Relay.CloseTunnelResult r) => new(r.Found, r.PeersNotified);

    private readonly record struct CloseTunnelResultView(bool Found, int PeersNotified);
}
