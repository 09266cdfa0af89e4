using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Relay;

public class BindingTests
{
    private static TunnelId NewId() => TunnelId.FromGuid(Guid.NewGuid());

    private static void AssertMessage(JsonElement message, string type, TunnelId id, string? reason = null)
    {
        Assert.Equal(type, message.GetProperty("type").GetString());
        Assert.Equal(id.ToString(), message.GetProperty("tunnel_id").GetString());
        if (reason is not null)
        {
            Assert.Equal(reason, message.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Bind_FirstWaitsThenBothReady_ThroughTheRightStreams()
    {
        await using var relay = new RelayHarness();
        var ingress = relay.ConnectWithControl("192.0.2.1");
        var egress = relay.ConnectWithControl("192.0.2.2");
        var id = NewId();

        AssertMessage(await ingress.BindAsync(id, "ingress"), "tunnel_waiting", id);
        var status = Assert.Single(relay.Relay.ListTunnels());
        Assert.Equal("waiting_egress", status.Status);

        // The binder's answer comes on its control stream…
        AssertMessage(await egress.BindAsync(id, "egress"), "tunnel_ready", id);

        // …the other edge's on a new unidirectional stream (one frame, then FIN).
        AssertMessage(await ingress.ReadNotificationAsync(), "tunnel_ready", id);
        Assert.False(egress.Edge.TryAcceptUnidirectionalStream(out _));

        var active = Assert.Single(relay.Relay.ListTunnels());
        Assert.Equal("active", active.Status);
        Assert.Equal("udp", active.Protocol);
        Assert.Equal(ingress.RemoteEndPoint.ToString(), active.IngressRemoteAddr);
        Assert.Equal(egress.RemoteEndPoint.ToString(), active.EgressRemoteAddr);
        var activeEvent = Assert.Single(relay.DrainEvents(), e => e.Category == EventCategory.Tunnel);
        Assert.Equal(EventMessages.TunnelActive, activeEvent.Message);
        Assert.Equal(id.ToString(), activeEvent.FlowId);
        Assert.Equal(1, relay.Relay.ActiveTunnels);
        Assert.Equal(1, relay.Relay.GetStats().PeakTunnels);
    }

    [Fact]
    public async Task Bind_EgressFirstReportsWaitingIngress()
    {
        await using var relay = new RelayHarness();
        var egress = relay.ConnectWithControl();
        var id = NewId();
        AssertMessage(await egress.BindAsync(id, "egress", "tcp"), "tunnel_waiting", id);
        var info = Assert.Single(relay.Relay.ListTunnels());
        Assert.Equal("waiting_ingress", info.Status);
        Assert.Equal("tcp", info.Protocol);
        Assert.Null(info.IngressEdgeId);
        Assert.NotNull(info.EgressEdgeId);
    }

    [Fact]
    public async Task Unbind_PeerGetsPeerUnbound()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var b = relay.ConnectWithControl();
        var id = NewId();
        await a.BindAsync(id, "ingress");
        await b.BindAsync(id, "egress");
        await a.ReadNotificationAsync();

        await b.SendAsync(EdgeClient.UnbindJson(id));
        await b.PingAsync();

        AssertMessage(await a.ReadNotificationAsync(), "tunnel_down", id, "peer unbound");
        Assert.Equal("waiting_egress", Assert.Single(relay.Relay.ListTunnels()).Status);
        Assert.Equal(0, relay.Relay.ActiveTunnels);

        await a.SendAsync(EdgeClient.UnbindJson(id));
        await a.PingAsync();
        Assert.Empty(relay.Relay.ListTunnels());
        Assert.Equal(0, relay.Relay.Tunnels.Count);
    }

    [Fact]
    public async Task Unbind_OfASlotNotHeldChangesNothing()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var stranger = relay.ConnectWithControl();
        var id = NewId();
        await a.BindAsync(id, "ingress");
        await stranger.SendAsync(EdgeClient.UnbindJson(id));
        await stranger.SendAsync(EdgeClient.UnbindJson(NewId()));
        await stranger.PingAsync();
        Assert.Equal("waiting_egress", Assert.Single(relay.Relay.ListTunnels()).Status);
    }

    [Fact]
    public async Task Cap_ExceededRepliesTunnelDownAndKeepsConnection()
    {
        await using var relay = new RelayHarness(maxTunnelsPerConnection: 2);
        var edge = relay.ConnectWithControl();
        var ids = new[] { NewId(), NewId(), NewId() };
        await edge.BindAsync(ids[0], "ingress");
        await edge.BindAsync(ids[1], "egress");

        AssertMessage(await edge.BindAsync(ids[2], "ingress"), "tunnel_down", ids[2], "per-connection tunnel limit exceeded");

        var capEvent = Assert.Single(relay.DrainEvents(), e => e.Message == EventMessages.TunnelBindCapExceeded);
        Assert.Equal(EventSeverity.Warning, capEvent.Severity);
        Assert.Equal(ids[2].ToString(), capEvent.FlowId);
        Assert.False(edge.Connection.IsClosed);
        Assert.False(relay.Relay.Tunnels.TryGet(ids[2], out _));

        // Re-binding a slot already held needs no new one; freeing one makes room again.
        AssertMessage(await edge.BindAsync(ids[0], "ingress"), "tunnel_waiting", ids[0]);
        await edge.SendAsync(EdgeClient.UnbindJson(ids[1]));
        AssertMessage(await edge.BindAsync(ids[2], "ingress"), "tunnel_waiting", ids[2]);
        Assert.Equal(1, relay.Relay.Metrics.BindsRejected);
    }

    [Fact]
    public async Task Token_RightTokensBind()
    {
        await using var relay = new RelayHarness();
        var id = NewId();
        relay.Relay.AuthorizeTunnel(id, "tok-in", "tok-eg");
        var a = relay.ConnectWithControl();
        var b = relay.ConnectWithControl();
        AssertMessage(await a.BindAsync(id, "ingress", token: "tok-in"), "tunnel_waiting", id);
        AssertMessage(await b.BindAsync(id, "egress", token: "tok-eg"), "tunnel_ready", id);
    }

    [Theory]
    [InlineData("tok-eg")]
    [InlineData("wrong")]
    [InlineData(null)]
    public async Task Token_WrongOrMissingIsRejected(string? token)
    {
        await using var relay = new RelayHarness();
        var id = NewId();
        relay.Relay.AuthorizeTunnel(id, "tok-in", "tok-eg");
        var edge = relay.ConnectWithControl();

        AssertMessage(await edge.BindAsync(id, "ingress", token: token), "tunnel_down", id, "bind authentication failed");

        var rejected = Assert.Single(relay.DrainEvents(), e => e.Category == EventCategory.Tunnel);
        Assert.Equal(EventMessages.TunnelBindInvalidToken, rejected.Message);
        Assert.Equal(EventSeverity.Warning, rejected.Severity);
        Assert.Equal(id.ToString(), rejected.FlowId);
        Assert.Empty(relay.Relay.ListTunnels());
        Assert.False(edge.Connection.IsClosed);
    }

    [Fact]
    public async Task Token_StrictModeRejectsUnauthorizedTunnels()
    {
        await using var relay = new RelayHarness(requireBindAuth: true);
        var edge = relay.ConnectWithControl();
        var id = NewId();
        AssertMessage(await edge.BindAsync(id, "ingress", token: "anything"), "tunnel_down", id, "bind authentication failed");

        relay.Relay.AuthorizeTunnel(id, "in", "eg");
        AssertMessage(await edge.BindAsync(id, "ingress", token: "in"), "tunnel_waiting", id);

        Assert.True(relay.Relay.RevokeTunnel(id));
        var other = relay.ConnectWithControl();
        AssertMessage(await other.BindAsync(id, "egress", token: "eg"), "tunnel_down", id, "bind authentication failed");
    }

    [Fact]
    public async Task NewerBind_DisplacesHolderWhoGetsSlotTaken()
    {
        await using var relay = new RelayHarness();
        var first = relay.ConnectWithControl();
        var peer = relay.ConnectWithControl();
        var second = relay.ConnectWithControl();
        var id = NewId();
        await first.BindAsync(id, "ingress");
        await peer.BindAsync(id, "egress");
        await first.ReadNotificationAsync();

        AssertMessage(await second.BindAsync(id, "ingress"), "tunnel_ready", id);

        AssertMessage(await first.ReadNotificationAsync(), "tunnel_down", id, "slot taken by a newer bind");
        AssertMessage(await peer.ReadNotificationAsync(), "tunnel_ready", id);
        var info = Assert.Single(relay.Relay.ListTunnels());
        Assert.Equal(second.RemoteEndPoint.ToString(), info.IngressRemoteAddr);
        Assert.Equal(1, relay.Relay.ActiveTunnels);

        // The displaced edge no longer holds the slot: its disconnect must not take the tunnel down.
        first.Edge.Disconnect();
        await first.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.Equal("active", Assert.Single(relay.Relay.ListTunnels()).Status);
        Assert.False(peer.Edge.TryAcceptUnidirectionalStream(out _));
    }

    [Fact]
    public async Task SameSlotRebind_IsIdempotent()
    {
        await using var relay = new RelayHarness();
        var a = relay.ConnectWithControl();
        var b = relay.ConnectWithControl();
        var id = NewId();
        AssertMessage(await a.BindAsync(id, "ingress"), "tunnel_waiting", id);
        AssertMessage(await a.BindAsync(id, "ingress"), "tunnel_waiting", id);
        await b.BindAsync(id, "egress");
        await a.ReadNotificationAsync();

        AssertMessage(await a.BindAsync(id, "ingress"), "tunnel_ready", id);
        await b.PingAsync();

        Assert.False(b.Edge.TryAcceptUnidirectionalStream(out _));
        Assert.False(a.Edge.TryAcceptUnidirectionalStream(out _));
        Assert.Single(relay.DrainEvents(), e => e.Message == EventMessages.TunnelActive);
    }

    [Fact]
    public async Task Disconnect_PeersGetPeerDisconnectedAndEmptyTunnelsAreRemoved()
    {
        await using var relay = new RelayHarness();
        var leaving = relay.ConnectWithControl();
        var staying = relay.ConnectWithControl();
        var shared = NewId();
        var lonely = NewId();
        await leaving.BindAsync(shared, "egress");
        await leaving.BindAsync(lonely, "ingress");
        await staying.BindAsync(shared, "ingress");
        await leaving.ReadNotificationAsync();
        relay.DrainEvents();

        leaving.Edge.Disconnect();
        await leaving.RunTask.WaitAsync(TestTimeouts.Operation);

        AssertMessage(await staying.ReadNotificationAsync(), "tunnel_down", shared, "peer disconnected");
        var tunnels = relay.Relay.ListTunnels();
        Assert.Equal("waiting_egress", Assert.Single(tunnels).Status);
        Assert.False(relay.Relay.Tunnels.TryGet(lonely, out _));
        var downs = relay.DrainEvents().Where(e => e.Message == EventMessages.TunnelDownEdgeDisconnected).ToList();
        Assert.Equal(2, downs.Count);
        Assert.Contains(downs, e => e.FlowId == shared.ToString());
        Assert.Contains(downs, e => e.FlowId == lonely.ToString());
        Assert.Equal(0, relay.Relay.ActiveTunnels);
        Assert.Equal(1, relay.Relay.ConnectedEdges);
    }

    [Fact]
    public async Task OneConnectionHoldingBothSlots_GetsReadyBothWays()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        var id = NewId();
        AssertMessage(await edge.BindAsync(id, "egress"), "tunnel_waiting", id);
        AssertMessage(await edge.BindAsync(id, "ingress"), "tunnel_ready", id);
        AssertMessage(await edge.ReadNotificationAsync(), "tunnel_ready", id);
    }
}
