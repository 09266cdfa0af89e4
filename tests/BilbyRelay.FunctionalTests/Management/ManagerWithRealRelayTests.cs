using System.Text.Json;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// The manager link against the real relay (<see cref="ComposedRelay"/>): events caused by real
/// edges, commands acting on real tunnels and edges, the link's state in <c>GET /health</c>, and a
/// stalled manager that must not slow the data plane or the stats endpoint down.
/// </summary>
public sealed class ManagerWithRealRelayTests
{
    private static void AssertEvent(JsonElement message, string severity, string category, string? flowId)
    {
        var payload = message.GetProperty("payload");
        Assert.Equal(severity, payload.GetProperty("severity").GetString());
        Assert.Equal(category, payload.GetProperty("category").GetString());
        Assert.Equal(flowId, payload.TryGetProperty("flow_id", out var flow) ? flow.GetString() : null);
    }

    private static void AssertAck(JsonElement ack, bool success, string? error = null)
    {
        var payload = ack.GetProperty("payload");
        Assert.Equal(success, payload.GetProperty("success").GetBoolean());
        Assert.Equal(error, payload.TryGetProperty("error", out var e) ? e.GetString() : null);
    }

    private static JsonElement[] Data(JsonElement ack) => [.. ack.GetProperty("payload").GetProperty("data").EnumerateArray()];

    private static async Task<JsonElement> GetHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task EdgeActivity_ArrivesAtTheManagerWithExactMessages()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        var connection = await manager.NextAuthenticatedConnectionAsync();
        var tunnelId = Guid.NewGuid();

        var ingress = await relay.ConnectEdgeAsync();
        var ingressAddress = $"127.0.0.1:{ingress.LocalEndPoint.Port}";
        AssertEvent(await connection.ReceiveEventAsync($"Edge connected from {ingressAddress}"), "info", "edge", null);
        await using var egress = await relay.ConnectEdgeAsync();
        AssertEvent(await connection.ReceiveEventAsync($"Edge connected from 127.0.0.1:{egress.LocalEndPoint.Port}"), "info", "edge", null);

        await ingress.BindAsync(tunnelId, "ingress", "tcp");
        await ingress.ExpectControlAsync("tunnel_waiting", tunnelId);
        await egress.BindAsync(tunnelId, "egress", "tcp");
        await egress.ExpectControlAsync("tunnel_ready", tunnelId);
        AssertEvent(await connection.ReceiveEventAsync("Tunnel active (both sides bound)"), "info", "tunnel", tunnelId.ToString("D"));

        await ingress.DisposeAsync();
        await egress.ExpectNotificationAsync("tunnel_down", tunnelId, "peer disconnected");
        AssertEvent(await connection.ReceiveEventAsync("Tunnel down: edge disconnected"), "warning", "tunnel", tunnelId.ToString("D"));
        AssertEvent(await connection.ReceiveEventAsync($"Edge disconnected from {ingressAddress}"), "info", "edge", null);
    }

    [Fact]
    public async Task ListAndCloseTunnel_ActOnARealTunnel()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        var connection = await manager.NextAuthenticatedConnectionAsync();
        await using var pair = await TunnelPair.BindAsync(relay.EdgeEndpoint);
        var id = pair.TunnelId.ToString("D");

        var listed = await connection.CommandAsync("list-1", """{"type":"list_tunnels"}""");
        AssertAck(listed, true);
        var tunnel = Assert.Single(Data(listed));
        Assert.Equal(id, tunnel.GetProperty("tunnel_id").GetString());
        Assert.Equal("tcp", tunnel.GetProperty("protocol").GetString());
        Assert.Equal("active", tunnel.GetProperty("status").GetString());
        Assert.Equal($"127.0.0.1:{pair.Ingress.LocalEndPoint.Port}", tunnel.GetProperty("ingress_remote_addr").GetString());
        Assert.Equal($"127.0.0.1:{pair.Egress.LocalEndPoint.Port}", tunnel.GetProperty("egress_remote_addr").GetString());
        Assert.Equal(0, tunnel.GetProperty("stats").GetProperty("tcp_streams_active").GetInt64());

        AssertAck(await connection.CommandAsync("close-1", $$"""{"type":"close_tunnel","tunnel_id":"{{id}}"}"""), true);

        await pair.Ingress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "tunnel closed by manager");
        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "tunnel closed by manager");
        Assert.Empty(Data(await connection.CommandAsync("list-2", """{"type":"list_tunnels"}""")));
        AssertAck(await connection.CommandAsync("close-2", $$"""{"type":"close_tunnel","tunnel_id":"{{id}}"}"""), false, $"Tunnel not found: {id}");
    }

    [Fact]
    public async Task DisconnectEdge_ClosesTheRealEdge()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        var connection = await manager.NextAuthenticatedConnectionAsync();
        await using var edge = await relay.ConnectEdgeAsync();
        await edge.IdentifyAsync("studio-7");
        await edge.ExpectPongAsync();

        var edges = await connection.CommandAsync("edges", """{"type":"list_edges"}""");
        var listed = Assert.Single(Data(edges));
        Assert.Equal("studio-7", listed.GetProperty("edge_id").GetString());
        Assert.Equal($"127.0.0.1:{edge.LocalEndPoint.Port}", listed.GetProperty("remote_addr").GetString());

        AssertAck(await connection.CommandAsync("dc-1", """{"type":"disconnect_edge","edge_id":"studio-7"}"""), true);

        await edge.Closed.WaitAsync(TestTimeouts.Default);
        AssertEvent(await connection.ReceiveEventAsync($"Edge disconnected from 127.0.0.1:{edge.LocalEndPoint.Port}"), "info", "edge", null);
        AssertAck(await connection.CommandAsync("dc-2", """{"type":"disconnect_edge","edge_id":"studio-7"}"""), false, "Edge not found: studio-7");
    }

    [Fact]
    public async Task AuthorizeTunnel_WrongTokenBindRejectedRightTokenAccepted()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        var connection = await manager.NextAuthenticatedConnectionAsync();
        var tunnelId = Guid.NewGuid();

        AssertAck(
            await connection.CommandAsync("auth-1", $$"""{"type":"authorize_tunnel","tunnel_id":"{{tunnelId}}","ingress_token":"in-token","egress_token":"eg-token"}"""),
            true);

        await using var edge = await relay.ConnectEdgeAsync();
        await edge.BindAsync(tunnelId, "ingress", "tcp", bindToken: "eg-token");
        await edge.ExpectControlAsync("tunnel_down", tunnelId, "bind authentication failed");
        AssertEvent(await connection.ReceiveEventAsync("Tunnel bind rejected: invalid token"), "warning", "tunnel", tunnelId.ToString("D"));

        await edge.BindAsync(tunnelId, "ingress", "tcp", bindToken: "in-token");
        await edge.ExpectControlAsync("tunnel_waiting", tunnelId);
    }

    [Fact]
    public async Task HealthMessage_ReportsTheBoundAddressesWhenPortZeroWasConfigured()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        var payload = (await connection.ReceiveTypeAsync("health")).GetProperty("payload");

        // ComposedRelay configures 127.0.0.1:0 for both; the manager needs the ports actually bound.
        Assert.NotEqual(0, relay.EdgeEndpoint.Port);
        Assert.Equal(relay.EdgeEndpoint.ToString(), payload.GetProperty("quic_addr").GetString());
        Assert.Equal(relay.StatsEndpoint.ToString(), payload.GetProperty("api_addr").GetString());
    }

    [Fact]
    public async Task StatsAndMetrics_CarryTheManagerLinkState()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager);
        using var http = relay.CreateStatsClient();
        await manager.NextAuthenticatedConnectionAsync();
        await relay.Log.WaitForEventIdAsync(5001);

        using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/stats", UriKind.Relative)));
        var link = stats.RootElement.GetProperty("manager");
        Assert.True(link.GetProperty("connected").GetBoolean());
        Assert.Equal(0, link.GetProperty("disconnected_secs").GetInt64());
        Assert.Equal(JsonValueKind.Null, link.GetProperty("last_error").ValueKind);

        var metrics = (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n');
        Assert.Contains("bilbycast_relay_manager_connected 1", metrics);
        Assert.Contains("bilbycast_relay_manager_disconnected_seconds 0", metrics);
    }

    [Fact]
    public async Task Health_ShowsTheManagerLinkUpThenReconnectingAfterTheManagerGoesAway()
    {
        var manager = await FakeManager.StartAsync();
        var managerGone = false;
        try
        {
            await using var relay = await ComposedRelay.StartAsync(manager);
            using var http = relay.CreateStatsClient();
            await manager.NextAuthenticatedConnectionAsync();

            var up = (await GetHealthAsync(http)).GetProperty("manager");
            Assert.True(up.GetProperty("connected").GetBoolean());
            Assert.False(up.GetProperty("reconnecting").GetBoolean());
            Assert.Equal(0, up.GetProperty("disconnected_secs").GetInt64());
            Assert.Equal(0, up.GetProperty("events_dropped").GetInt64());
            Assert.Equal(JsonValueKind.Null, up.GetProperty("last_error").ValueKind);

            await manager.DisposeAsync();
            managerGone = true;
            await relay.Log.WaitForEventIdAsync(5005, timeout: TestTimeouts.Default);

            var down = (await GetHealthAsync(http)).GetProperty("manager");
            Assert.False(down.GetProperty("connected").GetBoolean());
            Assert.True(down.GetProperty("reconnecting").GetBoolean());
            Assert.InRange(down.GetProperty("disconnected_secs").GetInt64(), 0, 60);
        }
        finally
        {
            if (!managerGone)
            {
                await manager.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ManagerStopsReading_TunnelStillTransfersAndHealthStillAnswers()
    {
        const long Bulk = 8L * 1024 * 1024;
        await using var manager = await FakeManager.StartAsync();
        await using var relay = await ComposedRelay.StartAsync(manager, config => config.EventQueueCapacity = 64, LogLevel.Warning);
        using var http = relay.CreateStatsClient();
        await manager.NextAuthenticatedConnectionAsync();

        // From here on the manager reads nothing. A burst of large events fills the socket; the link
        // is stalled once a stats tick finds the previous report still waiting for the socket.
        var details = new string('x', 64 * 1024);
        using var stalled = new CancellationTokenSource(TestTimeouts.Default);
        while (relay.Manager.Counters.StatsSkipped == 0)
        {
            Assert.False(stalled.IsCancellationRequested, $"the manager link never stalled (events dropped: {relay.Relay.Events.DroppedCount})");
            for (var i = 0; i < 64; i++)
            {
                relay.Relay.Events.Raise(EventSeverity.Info, EventCategory.Edge, "burst", null, details);
            }

            await Task.Delay(10);
        }

        await using var pair = await TunnelPair.BindAsync(relay.EdgeEndpoint);
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, new CancellationTokenSource(TestTimeouts.Default).Token);
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(new CancellationTokenSource(TestTimeouts.Default).Token);
        var write = Task.Run(() => TestPayload.WriteAsync(opened.Output, seed: 7, Bulk));
        var read = Task.Run(() => TestPayload.ReadToEndAsync(accepted.Stream.Input));
        await Task.WhenAll(write, read).WaitAsync(TestTimeouts.Default);
        Assert.Equal(Bulk, (await read).Length);
        Assert.Equal(await write, (await read).Sha256);

        var health = await GetHealthAsync(http).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("active_tunnels").GetInt64());

        // The link was stalled throughout, not dropped and re-established.
        Assert.True(relay.Manager.Status.Connected);
        Assert.Equal(1, manager.ConnectionCount);
    }
}
