using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.2 rules 3 and 4 over real QUIC: pairing, and binds of occupied slots.</summary>
public sealed class TunnelBindingTests : IAsyncLifetime
{
    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Bind_BothSlots_WaitingThenReadyOnTheRightStreams()
    {
        await using var first = await _relay.ConnectEdgeAsync();
        await using var second = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await first.BindAsync(tunnel, "ingress", "tcp");
        await first.ExpectControlAsync("tunnel_waiting", tunnel);
        var waiting = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal("waiting_egress", waiting.Status);

        await second.BindAsync(tunnel, "egress", "tcp");

        // The binder hears on its control stream; the edge already waiting is told on a new uni stream.
        await second.ExpectControlAsync("tunnel_ready", tunnel);
        await first.ExpectNotificationAsync("tunnel_ready", tunnel);
        var active = await _relay.Events.WaitForAsync("Tunnel active (both sides bound)");
        Assert.Equal(tunnel.ToString("D"), active.FlowId);
        Assert.Equal("Info", active.Severity.ToString());

        // Nothing else arrived on either control stream before the pong.
        await first.ExpectPongAsync();
        await second.ExpectPongAsync();
        Assert.False(second.TryReceiveNotification(out var stray), $"unexpected notification {stray}");

        var listed = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal(tunnel.ToString("D"), listed.TunnelId);
        Assert.Equal("active", listed.Status);
        Assert.Equal("tcp", listed.Protocol);
        Assert.Equal(1, _relay.Relay.ActiveTunnels);
    }

    [Fact]
    public async Task Bind_EgressFirst_ListsWaitingIngressThenActive()
    {
        await using var first = await _relay.ConnectEdgeAsync();
        await using var second = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await first.BindAsync(tunnel, "egress", "udp");
        await first.ExpectControlAsync("tunnel_waiting", tunnel);
        Assert.Equal("waiting_ingress", Assert.Single(_relay.Relay.ListTunnels()).Status);

        await second.BindAsync(tunnel, "ingress", "udp");
        await second.ExpectControlAsync("tunnel_ready", tunnel);
        await first.ExpectNotificationAsync("tunnel_ready", tunnel);

        var listed = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal("active", listed.Status);
        Assert.Equal("udp", listed.Protocol);
    }

    [Fact]
    public async Task Bind_OccupiedSlotFromAnotherEdge_DisplacesHolderWithSlotTaken()
    {
        await using var holder = await _relay.ConnectEdgeAsync();
        await using var peer = await _relay.ConnectEdgeAsync();
        await using var newer = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();
        await TunnelPair.BindBothAsync(holder, peer, tunnel);

        await newer.IdentifyAsync("newer-edge");
        await newer.BindAsync(tunnel, "ingress", "tcp");

        await newer.ExpectControlAsync("tunnel_ready", tunnel);
        await holder.ExpectNotificationAsync("tunnel_down", tunnel, "slot taken by a newer bind");

        // The egress side is told its tunnel is ready again, now with the newer ingress edge.
        await peer.ExpectNotificationAsync("tunnel_ready", tunnel);
        var listed = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal("active", listed.Status);
        Assert.Equal("newer-edge", listed.IngressEdgeId);

        // The displaced edge keeps its connection.
        await holder.ExpectPongAsync();
    }

    [Fact]
    public async Task Bind_OccupiedWaitingSlot_DisplacedHolderGetsSlotTakenAndNewerWaits()
    {
        await using var holder = await _relay.ConnectEdgeAsync();
        await using var newer = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();
        await holder.BindAsync(tunnel, "egress", "udp");
        await holder.ExpectControlAsync("tunnel_waiting", tunnel);

        await newer.BindAsync(tunnel, "egress", "udp");

        await newer.ExpectControlAsync("tunnel_waiting", tunnel);
        await holder.ExpectNotificationAsync("tunnel_down", tunnel, "slot taken by a newer bind");
        Assert.Equal("waiting_ingress", Assert.Single(_relay.Relay.ListTunnels()).Status);
    }

    [Fact]
    public async Task Bind_SameSlotAgainFromSameConnection_IsIdempotent()
    {
        await using var first = await _relay.ConnectEdgeAsync();
        await using var second = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await first.BindAsync(tunnel, "ingress", "tcp");
        await first.ExpectControlAsync("tunnel_waiting", tunnel);
        await first.BindAsync(tunnel, "ingress", "tcp");
        await first.ExpectControlAsync("tunnel_waiting", tunnel);

        await second.BindAsync(tunnel, "egress", "tcp");
        await second.ExpectControlAsync("tunnel_ready", tunnel);
        await first.ExpectNotificationAsync("tunnel_ready", tunnel);

        // Re-binding an active slot answers the current state and disturbs nobody.
        await first.BindAsync(tunnel, "ingress", "tcp");
        await first.ExpectControlAsync("tunnel_ready", tunnel);
        await second.BindAsync(tunnel, "egress", "tcp");
        await second.ExpectControlAsync("tunnel_ready", tunnel);
        Assert.Equal("active", Assert.Single(_relay.Relay.ListTunnels()).Status);

        // Notifications arrive in order, so if a re-bind had sent either side anything (tunnel_down
        // "slot taken", another tunnel_ready), it would come before this unbind's tunnel_down.
        await first.UnbindAsync(tunnel);
        await first.ExpectPongAsync();
        await second.ExpectNotificationAsync("tunnel_down", tunnel, "peer unbound");
        await second.UnbindAsync(tunnel);
        await second.ExpectPongAsync();
        Assert.False(first.TryReceiveNotification(out var stray), $"unexpected notification {stray}");
        Assert.Empty(_relay.Relay.ListTunnels());
        await _relay.Events.WaitForAsync("Tunnel active (both sides bound)");
        Assert.Single(_relay.Events.Seen, e => e.Message == "Tunnel active (both sides bound)");
    }
}
