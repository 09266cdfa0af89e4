using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.2 rule 1 and §2 over real QUIC: the per-connection tunnel cap and the per-IP connection cap.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Bind_OverPerConnectionCap_RejectedWithEventAndConnectionKept()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxTunnelsPerConnection = 2);
        await using var edge = await relay.ConnectEdgeAsync();
        var tunnels = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };

        await edge.BindAsync(tunnels[0], "ingress", "udp");
        await edge.ExpectControlAsync("tunnel_waiting", tunnels[0]);
        await edge.BindAsync(tunnels[1], "egress", "udp");
        await edge.ExpectControlAsync("tunnel_waiting", tunnels[1]);
        await edge.BindAsync(tunnels[2], "ingress", "udp");

        await edge.ExpectControlAsync("tunnel_down", tunnels[2], "per-connection tunnel limit exceeded");
        var capped = await relay.Events.WaitForAsync("Tunnel bind rejected: per-connection cap exceeded");
        Assert.Equal(tunnels[2].ToString("D"), capped.FlowId);
        Assert.Equal("Warning", capped.Severity.ToString());
        await edge.ExpectPongAsync();
        Assert.Equal(2, relay.Relay.ListTunnels().Count);
    }

    [Fact]
    public async Task Bind_AtPerConnectionCap_RebindOfHeldSlotAndBindAfterUnbindAllowed()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxTunnelsPerConnection = 2);
        await using var edge = await relay.ConnectEdgeAsync();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var third = Guid.NewGuid();
        await edge.BindAsync(first, "ingress", "tcp");
        await edge.ExpectControlAsync("tunnel_waiting", first);
        await edge.BindAsync(second, "ingress", "tcp");
        await edge.ExpectControlAsync("tunnel_waiting", second);

        // Re-binding a slot already held needs no new one.
        await edge.BindAsync(second, "ingress", "tcp");
        await edge.ExpectControlAsync("tunnel_waiting", second);

        // Freeing a slot makes room.
        await edge.UnbindAsync(first);
        await edge.BindAsync(third, "egress", "tcp");
        await edge.ExpectControlAsync("tunnel_waiting", third);
        Assert.DoesNotContain(relay.Events.Seen, e => e.Message == "Tunnel bind rejected: per-connection cap exceeded");
    }

    [Fact]
    public async Task Bind_PerConnectionCap_CountsPerConnectionNotPerRelay()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxTunnelsPerConnection = 1);
        await using var pair = await TunnelPair.BindAsync(relay.Endpoint);
        await using var other = await relay.ConnectEdgeAsync();
        var tunnel = Guid.NewGuid();

        await other.BindAsync(tunnel, "ingress", "tcp");

        await other.ExpectControlAsync("tunnel_waiting", tunnel);
    }

    [Fact]
    public async Task Connect_OverPerIpCap_ClosedAtOnceWithEventAndOthersUnaffected()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxConnectionsPerIp = 2);
        await using var pair = await TunnelPair.BindAsync(relay.Endpoint);

        var (closedCode, third) = await ConnectRejectedAsync(relay);
        await using (third)
        {
            var rejected = await relay.Events.WaitForAsync("Connection rejected: per-IP cap exceeded (2 active from 127.0.0.1)");
            Assert.Equal("Edge", rejected.Category.ToString());
            Assert.Equal("Warning", rejected.Severity.ToString());
            Assert.NotNull(closedCode);
            Assert.NotEqual(0, closedCode);
        }

        // The two admitted edges keep their connections and their tunnel.
        await pair.Ingress.ExpectPongAsync();
        await pair.Egress.ExpectPongAsync();
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 40, 64 * 1024);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
        Assert.Equal(2, relay.Relay.ConnectedEdges);
        Assert.Equal(2, relay.Relay.Metrics.ConnectionsTotal);
    }

    [Fact]
    public async Task Connect_AfterAnEdgeLeft_AdmittedAgain()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxConnectionsPerIp = 1);
        var first = await relay.ConnectEdgeAsync();
        await first.ExpectPongAsync();

        await first.DisposeAsync();
        await relay.Events.WaitForAsync(e => e.Message.StartsWith("Edge disconnected from 127.0.0.1:", StringComparison.Ordinal));
        await using var second = await relay.ConnectEdgeAsync();

        await second.ExpectPongAsync();
        Assert.DoesNotContain(relay.Events.Seen, e => e.Message.StartsWith("Connection rejected", StringComparison.Ordinal));
    }

    /// <summary>
    /// Dials an edge the relay must refuse. The handshake may complete before the relay closes the
    /// connection, or the close may already fail the dial; either way the close code is returned.
    /// </summary>
    private static async Task<(long? CloseCode, SimulatedEdge? Edge)> ConnectRejectedAsync(InProcessRelay relay)
    {
        SimulatedEdge edge;
        try
        {
            edge = await relay.ConnectEdgeAsync();
        }
        catch (QuicException refused)
        {
            return (refused.ApplicationErrorCode, null);
        }

        var closed = await edge.Closed.WaitAsync(TestTimeouts.Default);
        return (closed.ApplicationErrorCode, edge);
    }
}
