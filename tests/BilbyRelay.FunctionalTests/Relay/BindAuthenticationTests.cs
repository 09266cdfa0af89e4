using BilbyRelay.Core.Tunnels;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.2 rule 2 over real QUIC: bind tokens pre-authorized by the manager.</summary>
public sealed class BindAuthenticationTests : IAsyncLifetime
{
    private const string BindSecret = "shared-bind-secret";

    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Bind_WithCorrectTokens_PairsNormally()
    {
        var tunnel = Authorize(_relay);
        await using var ingress = await _relay.ConnectEdgeAsync();
        await using var egress = await _relay.ConnectEdgeAsync();

        await ingress.BindAsync(tunnel, "ingress", "tcp", BindTokens.Compute(BindSecret, tunnel, "ingress"));
        await ingress.ExpectControlAsync("tunnel_waiting", tunnel);
        await egress.BindAsync(tunnel, "egress", "tcp", BindTokens.Compute(BindSecret, tunnel, "egress"));
        await egress.ExpectControlAsync("tunnel_ready", tunnel);
        await ingress.ExpectNotificationAsync("tunnel_ready", tunnel);

        Assert.DoesNotContain(_relay.Events.Seen, e => e.Message == "Tunnel bind rejected: invalid token");
    }

    [Fact]
    public async Task Bind_WithWrongToken_RejectedWithEventAndConnectionKept()
    {
        var tunnel = Authorize(_relay);
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.BindAsync(tunnel, "ingress", "tcp", BindTokens.Compute("some-other-secret", tunnel, "ingress"));

        await AssertRejectedAsync(edge, tunnel);
    }

    [Fact]
    public async Task Bind_WithTokenOfTheOtherDirection_Rejected()
    {
        var tunnel = Authorize(_relay);
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.BindAsync(tunnel, "egress", "tcp", BindTokens.Compute(BindSecret, tunnel, "ingress"));

        await AssertRejectedAsync(edge, tunnel);
    }

    [Fact]
    public async Task Bind_WithoutTokenWhenAuthorized_Rejected()
    {
        var tunnel = Authorize(_relay);
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.BindAsync(tunnel, "ingress", "tcp");

        await AssertRejectedAsync(edge, tunnel);
    }

    [Fact]
    public async Task Bind_RejectedBind_DoesNotDisturbTheBoundSlot()
    {
        var tunnel = Authorize(_relay);
        await using var holder = await _relay.ConnectEdgeAsync();
        await using var intruder = await _relay.ConnectEdgeAsync();
        await holder.BindAsync(tunnel, "ingress", "tcp", BindTokens.Compute(BindSecret, tunnel, "ingress"));
        await holder.ExpectControlAsync("tunnel_waiting", tunnel);

        await intruder.BindAsync(tunnel, "ingress", "tcp", "0000");

        await AssertRejectedAsync(intruder, tunnel);
        Assert.Equal("waiting_egress", Assert.Single(_relay.Relay.ListTunnels()).Status);
        await holder.ExpectPongAsync();
        Assert.False(holder.TryReceiveNotification(out var stray), $"unexpected notification {stray}");
    }

    [Fact]
    public async Task Bind_WithoutAuthorizationWhenNotRequired_Allowed()
    {
        await using var edge = await _relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await edge.BindAsync(tunnel, "ingress", "tcp", "any-token-is-ignored");

        await edge.ExpectControlAsync("tunnel_waiting", tunnel);
    }

    [Fact]
    public async Task Bind_WithoutAuthorizationWhenRequired_Rejected()
    {
        await using var strict = await InProcessRelay.StartAsync(c => c.RequireBindAuth = true);
        await using var edge = await strict.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await edge.BindAsync(tunnel, "ingress", "tcp", BindTokens.Compute(BindSecret, tunnel, "ingress"));

        await AssertRejectedAsync(strict, edge, tunnel);
    }

    [Fact]
    public async Task Bind_WithCorrectTokenWhenRequired_Allowed()
    {
        await using var strict = await InProcessRelay.StartAsync(c => c.RequireBindAuth = true);
        var tunnel = Authorize(strict);
        await using var edge = await strict.ConnectEdgeAsync();

        await edge.BindAsync(tunnel, "egress", "udp", BindTokens.Compute(BindSecret, tunnel, "egress"));

        await edge.ExpectControlAsync("tunnel_waiting", tunnel);
    }

    [Fact]
    public async Task Bind_AfterRevoke_AllowedWithoutToken()
    {
        var tunnel = Authorize(_relay);
        Assert.True(_relay.Relay.RevokeTunnel(TunnelId.FromGuid(tunnel)));
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.BindAsync(tunnel, "ingress", "tcp");

        await edge.ExpectControlAsync("tunnel_waiting", tunnel);
    }

    private static Guid Authorize(InProcessRelay relay)
    {
        var tunnel = Guid.NewGuid();
        relay.Relay.AuthorizeTunnel(
            TunnelId.FromGuid(tunnel),
            BindTokens.Compute(BindSecret, tunnel, "ingress"),
            BindTokens.Compute(BindSecret, tunnel, "egress"));
        return tunnel;
    }

    private Task AssertRejectedAsync(SimulatedEdge edge, Guid tunnel) => AssertRejectedAsync(_relay, edge, tunnel);

    private static async Task AssertRejectedAsync(InProcessRelay relay, SimulatedEdge edge, Guid tunnel)
    {
        await edge.ExpectControlAsync("tunnel_down", tunnel, "bind authentication failed");
        var rejected = await relay.Events.WaitForAsync("Tunnel bind rejected: invalid token");
        Assert.Equal(tunnel.ToString("D"), rejected.FlowId);
        Assert.Equal("Warning", rejected.Severity.ToString());
        Assert.Equal("Tunnel", rejected.Category.ToString());
        await edge.ExpectPongAsync();
        Assert.DoesNotContain(relay.Relay.ListTunnels(), t => t.TunnelId == tunnel.ToString("D") && t.Status == "active");
    }
}
