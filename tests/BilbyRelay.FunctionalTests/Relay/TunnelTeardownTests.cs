using BilbyRelay.Core.Tunnels;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.1 <c>tunnel_unbind</c> and §1.2 rule 5 over real QUIC: how tunnels come down.</summary>
public sealed class TunnelTeardownTests : IAsyncLifetime
{
    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Unbind_PeerNotifiedPeerUnboundAndUnbinderGetsNoReply()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        await pair.Ingress.UnbindAsync(pair.TunnelId);

        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer unbound");
        await pair.Ingress.ExpectPongAsync();
        var listed = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal("waiting_ingress", listed.Status);
        Assert.Equal(0, _relay.Relay.ActiveTunnels);
    }

    [Fact]
    public async Task Unbind_BothSides_RemovesTunnelFromList()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        await pair.Ingress.UnbindAsync(pair.TunnelId);
        await pair.Ingress.ExpectPongAsync();
        await pair.Egress.UnbindAsync(pair.TunnelId);
        await pair.Egress.ExpectPongAsync();

        Assert.Empty(_relay.Relay.ListTunnels());
        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer unbound");
        Assert.False(pair.Ingress.TryReceiveNotification(out var stray), $"unexpected notification {stray}");
    }

    [Fact]
    public async Task Unbind_ThenBindAgain_PairsAfresh()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await pair.Ingress.UnbindAsync(pair.TunnelId);
        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer unbound");

        await pair.Ingress.BindAsync(pair.TunnelId, "ingress", "tcp");

        await pair.Ingress.ExpectControlAsync("tunnel_ready", pair.TunnelId);
        await pair.Egress.ExpectNotificationAsync("tunnel_ready", pair.TunnelId);
    }

    [Fact]
    public async Task CloseTunnel_ByOperator_BothSidesNotifiedAndTunnelRemoved()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        var result = _relay.Relay.CloseTunnel(TunnelId.FromGuid(pair.TunnelId), "tunnel closed by manager");

        Assert.True(result.Found);
        Assert.Equal(2, result.PeersNotified);
        await pair.Ingress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "tunnel closed by manager");
        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "tunnel closed by manager");
        Assert.Empty(_relay.Relay.ListTunnels());
        Assert.Equal(0, _relay.Relay.ActiveTunnels);

        // Both edges keep their connections and can bind the tunnel again.
        await pair.Ingress.BindAsync(pair.TunnelId, "ingress", "tcp");
        await pair.Ingress.ExpectControlAsync("tunnel_waiting", pair.TunnelId);
    }

    [Fact]
    public async Task Disconnect_PeerNotifiedPeerDisconnectedAndEventCarriesFlowId()
    {
        var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await using var egress = pair.Egress;
        var ingressPort = pair.Ingress.LocalEndPoint.Port;

        await pair.Ingress.DisposeAsync();

        await egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer disconnected");
        var down = await _relay.Events.WaitForAsync("Tunnel down: edge disconnected");
        Assert.Equal(pair.TunnelId.ToString("D"), down.FlowId);
        Assert.Equal("Warning", down.Severity.ToString());
        await _relay.Events.WaitForAsync($"Edge disconnected from 127.0.0.1:{ingressPort}");
        var listed = Assert.Single(_relay.Relay.ListTunnels());
        Assert.Equal("waiting_ingress", listed.Status);
        await egress.ExpectPongAsync();
    }

    [Fact]
    public async Task Disconnect_BothSides_RemovesTunnelFromList()
    {
        var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        await pair.Ingress.DisposeAsync();
        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer disconnected");
        await pair.Egress.DisposeAsync();

        // "Edge disconnected" is raised after the departing edge's slots were released. The test's
        // edges share one client socket, so the two events read the same; wait for the second.
        await _relay.Events.WaitForAsync(e => e.Message.StartsWith("Edge disconnected from ", StringComparison.Ordinal), occurrence: 2);
        Assert.Empty(_relay.Relay.ListTunnels());
        Assert.Equal(0, _relay.Relay.ConnectedEdges);
    }

    [Fact]
    public async Task Disconnect_EdgeHoldingManyTunnels_EveryPeerNotified()
    {
        await using var peer = await _relay.ConnectEdgeAsync();
        var leaving = await _relay.ConnectEdgeAsync();
        var tunnels = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var tunnel in tunnels)
        {
            await leaving.BindAsync(tunnel, "egress", "udp");
            await leaving.ExpectControlAsync("tunnel_waiting", tunnel);
            await peer.BindAsync(tunnel, "ingress", "udp");
            await peer.ExpectControlAsync("tunnel_ready", tunnel);
            await leaving.ExpectNotificationAsync("tunnel_ready", tunnel);
        }

        await leaving.DisposeAsync();

        var downs = new List<string?>();
        for (int i = 0; i < tunnels.Length; i++)
        {
            var message = await peer.ReceiveNotificationAsync(TestTimeouts.Token());
            Assert.Equal("tunnel_down", message.Type);
            Assert.Equal("peer disconnected", message.Reason);
            downs.Add(message.TunnelId);
        }

        Assert.Equal(tunnels.Select(t => t.ToString("D")).Order(), downs.Order());
        foreach (var tunnel in tunnels)
        {
            await _relay.Events.WaitForAsync(e => e.Message == "Tunnel down: edge disconnected" && e.FlowId == tunnel.ToString("D"));
        }

        var remaining = _relay.Relay.ListTunnels();
        Assert.Equal(tunnels.Length, remaining.Count);
        Assert.All(remaining, t => Assert.Equal("waiting_egress", t.Status));
    }
}
