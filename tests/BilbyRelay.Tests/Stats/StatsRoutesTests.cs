using System.Net;
using System.Text.Json;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Stats;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>Every route over a real HTTP client: status codes, headers and the JSON shapes of PROTOCOL.md §6.</summary>
public sealed class StatsRoutesTests
{
    [Fact]
    public async Task Health_ReturnsStatusVersionAndCounts()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = body.RootElement;
        Assert.Equal("ok", root.GetProperty("status").GetString());
        Assert.Equal("9.8.7-test", root.GetProperty("version").GetString());
        Assert.Equal(42, root.GetProperty("uptime_secs").GetInt64());
        Assert.Equal(2, root.GetProperty("connected_edges").GetInt64());
        Assert.Equal(2, root.GetProperty("total_tunnels").GetInt64());
        Assert.Equal(1, root.GetProperty("active_tunnels").GetInt64());
        Assert.False(root.TryGetProperty("manager", out _), "manager must be omitted when no manager is configured");
    }

    [Fact]
    public async Task Health_WithManager_IncludesLinkState()
    {
        var source = new FakeStatsSource { Manager = new ManagerLinkSnapshot { Connected = false, DisconnectedSecs = 17, Reconnecting = true, LastError = "connection refused" } };
        await using StatsTestServer server = await StatsTestServer.StartAsync(source: source);
        using HttpClient client = server.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/health"));

        JsonElement manager = body.RootElement.GetProperty("manager");
        Assert.False(manager.GetProperty("connected").GetBoolean());
        Assert.Equal(17, manager.GetProperty("disconnected_secs").GetInt64());
        Assert.True(manager.GetProperty("reconnecting").GetBoolean());
        Assert.Equal("connection refused", manager.GetProperty("last_error").GetString());
    }

    [Fact]
    public async Task Health_AfterAFailure_Answers503WithTheReasonAndTheUsualFields()
    {
        var source = new FakeStatsSource { Failure = new HealthFailure("quic", "QUIC loop on 0.0.0.0:4433 failed: boom") };
        await using StatsTestServer server = await StatsTestServer.StartAsync(source: source);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health");
        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, head.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement root = body.RootElement;
        Assert.Equal("unavailable", root.GetProperty("status").GetString());
        Assert.Equal("quic", root.GetProperty("failure").GetProperty("component").GetString());
        Assert.Equal("QUIC loop on 0.0.0.0:4433 failed: boom", root.GetProperty("failure").GetProperty("reason").GetString());
        Assert.Equal("9.8.7-test", root.GetProperty("version").GetString());
        Assert.Equal(2, root.GetProperty("connected_edges").GetInt64());
    }

    [Fact]
    public async Task Health_WhileHealthy_HasNoFailureField()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/health"));

        Assert.False(body.RootElement.TryGetProperty("failure", out _), "failure must be omitted while the relay serves");
    }

    [Fact]
    public async Task Health_WithTokenConfigured_IsPublic()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Tunnels_ReturnsEveryTunnelWithStats()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/tunnels"));

        JsonElement[] tunnels = [.. body.RootElement.GetProperty("tunnels").EnumerateArray()];
        Assert.Equal(2, tunnels.Length);
        JsonElement active = tunnels[0];
        Assert.Equal(FakeStatsSource.ActiveTunnelId.ToString(), active.GetProperty("tunnel_id").GetString());
        Assert.Equal("tcp", active.GetProperty("protocol").GetString());
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Equal("edge-a", active.GetProperty("ingress_edge_id").GetString());
        Assert.Equal("edge-b", active.GetProperty("egress_edge_id").GetString());
        Assert.Equal("192.0.2.1:50000", active.GetProperty("ingress_remote_addr").GetString());
        Assert.Equal("[2001:db8::1]:50001", active.GetProperty("egress_remote_addr").GetString());
        JsonElement stats = active.GetProperty("stats");
        Assert.Equal(1000, stats.GetProperty("bytes_ingress").GetInt64());
        Assert.Equal(2000, stats.GetProperty("bytes_egress").GetInt64());
        Assert.Equal(3, stats.GetProperty("tcp_streams_total").GetInt64());
        Assert.Equal(1, stats.GetProperty("tcp_streams_active").GetInt64());
        Assert.Equal(0, stats.GetProperty("udp_datagrams_total").GetInt64());
        Assert.Equal(30, stats.GetProperty("uptime_secs").GetInt64());

        Assert.Equal(
            ["tunnel_id", "protocol", "status", "ingress_edge_id", "egress_edge_id", "ingress_remote_addr", "egress_remote_addr", "stats"],
            active.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["bytes_ingress", "bytes_egress", "tcp_streams_total", "tcp_streams_active", "udp_datagrams_total", "uptime_secs"],
            stats.EnumerateObject().Select(p => p.Name));

        JsonElement waiting = tunnels[1];
        Assert.Equal("waiting_egress", waiting.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("egress_edge_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("egress_remote_addr").ValueKind);
    }

    [Fact]
    public async Task Edges_ReturnsIdAndAddress()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/edges"));

        JsonElement[] edges = [.. body.RootElement.GetProperty("edges").EnumerateArray()];
        Assert.Equal(2, edges.Length);
        Assert.Equal("edge-a", edges[0].GetProperty("edge_id").GetString());
        Assert.Equal("192.0.2.1:50000", edges[0].GetProperty("remote_addr").GetString());
        Assert.Equal("edge-\"b\"", edges[1].GetProperty("edge_id").GetString());

        // Exactly {edge_id, remote_addr}: the relay's internal connection id is not part of the shape.
        Assert.All(edges, edge => Assert.Equal(["edge_id", "remote_addr"], edge.EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public async Task Stats_ReturnsEveryRelayTotal()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/stats"));

        var expected = new Dictionary<string, long>
        {
            ["uptime_secs"] = 42,
            ["connected_edges"] = 2,
            ["total_tunnels"] = 2,
            ["active_tunnels"] = 1,
            ["total_bytes_ingress"] = 1000,
            ["total_bytes_egress"] = 2000,
            ["total_bytes_forwarded"] = 3000,
            ["total_bandwidth_bps"] = 125,
            ["total_tcp_streams"] = 3,
            ["active_tcp_streams"] = 1,
            ["total_udp_datagrams"] = 7,
            ["peak_tunnels"] = 4,
            ["peak_edges"] = 5,
            ["connections_total"] = 9,
        };
        var actual = body.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Stats_WithManager_CarriesTheManagerBlockAsHealthShowsIt()
    {
        var source = new FakeStatsSource
        {
            Manager = new ManagerLinkSnapshot { Connected = false, DisconnectedSecs = 17, Reconnecting = true, EventsDropped = 3, LastError = "connection refused" },
        };
        await using StatsTestServer server = await StatsTestServer.StartAsync(source: source);
        using HttpClient client = server.CreateClient();

        using JsonDocument stats = JsonDocument.Parse(await client.GetStringAsync("/api/v1/stats"));
        using JsonDocument health = JsonDocument.Parse(await client.GetStringAsync("/health"));

        JsonElement manager = stats.RootElement.GetProperty("manager");
        Assert.Equal(health.RootElement.GetProperty("manager").GetRawText(), manager.GetRawText());
        Assert.Equal(17, manager.GetProperty("disconnected_secs").GetInt64());
        Assert.Equal("connection refused", manager.GetProperty("last_error").GetString());
        Assert.Equal(3000, stats.RootElement.GetProperty("total_bytes_forwarded").GetInt64());
    }

    [Fact]
    public async Task Metrics_UsesPrometheusContentType()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains("bilbycast_relay_info{version=\"9.8.7-test\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_datagram_drops_total{reason=\"no_peer\"} 11\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/tunnels")]
    [InlineData("/api/v1/edges")]
    [InlineData("/api/v1/stats")]
    [InlineData("/api/v1/udp-sessions")]
    public async Task ProtectedRoute_WithoutToken_Returns401WithChallenge(string path)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("Bearer", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/tunnels")]
    [InlineData("/api/v1/edges")]
    [InlineData("/api/v1/stats")]
    [InlineData("/api/v1/udp-sessions")]
    public async Task ProtectedRoute_WithWrongToken_Returns401(string path)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token + "x");

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/api/v1/tunnels")]
    [InlineData("/api/v1/edges")]
    [InlineData("/api/v1/stats")]
    [InlineData("/api/v1/udp-sessions")]
    public async Task ProtectedRoute_WithToken_Returns200(string path)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DeleteTunnel_KnownWithToken_ReturnsDeletedAndPeerCount()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/tunnels/{FakeStatsSource.ActiveTunnelId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("deleted").GetBoolean());
        Assert.Equal(FakeStatsSource.ActiveTunnelId.ToString(), body.RootElement.GetProperty("tunnel_id").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("peers_notified").GetInt32());
        Assert.Equal([FakeStatsSource.ActiveTunnelId], server.Source.DeleteRequests.ToArray());
    }

    [Fact]
    public async Task DeleteTunnel_UppercaseAndUnhyphenatedUuid_IsAccepted()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/tunnels/{FakeStatsSource.WaitingTunnelId.ToString("N").ToUpperInvariant()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([FakeStatsSource.WaitingTunnelId], server.Source.DeleteRequests.ToArray());
    }

    [Fact]
    public async Task DeleteTunnel_Unknown_Returns404()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);
        var unknown = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/tunnels/{unknown}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(unknown.ToString(), body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteTunnel_BadUuid_Returns400WithoutCallingRelay()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);

        using HttpResponseMessage response = await client.DeleteAsync("/api/v1/tunnels/not-a-uuid");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("UUID", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task DeleteTunnel_WithoutConfiguredToken_Returns403()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/tunnels/{FakeStatsSource.ActiveTunnelId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("api_token", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task DeleteTunnel_WrongToken_Returns401WithoutCallingRelay()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: "guess");

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/tunnels/{FakeStatsSource.ActiveTunnelId}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task DeleteUdpSession_WithoutConfiguredToken_Returns403AndKeepsTheSession()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        var session = AddUdpSession(server.Source);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/udp-sessions/{session}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("api_token", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(server.Source.UdpSessions.ContainsKey(session));
    }

    [Fact]
    public async Task DeleteUdpSession_WrongToken_Returns401AndKeepsTheSession()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        var session = AddUdpSession(server.Source);
        using HttpClient client = server.CreateClient(bearerToken: "guess");

        using HttpResponseMessage response = await client.DeleteAsync($"/api/v1/udp-sessions/{session}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(server.Source.UdpSessions.ContainsKey(session));
    }

    private static Guid AddUdpSession(FakeStatsSource source)
    {
        var id = Guid.NewGuid();
        source.UdpSessions[id] = new NativeUdpSessionInfo
        {
            TunnelId = BilbyRelay.Core.Tunnels.TunnelId.FromGuid(id),
            Status = "active",
            IngressAddr = "192.0.2.1:5000",
            EgressAddr = "192.0.2.2:6000",
        };
        return id;
    }

    [Theory]
    [InlineData("/index.html")]
    [InlineData("/health/")]
    [InlineData("/api/v1/unknown")]
    [InlineData("/api/v1/tunnels/a/b")]
    public async Task UnknownPath_Returns404Json(string path)
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not found", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task QueryString_IsIgnoredForRouting()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/health?probe=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PostToReadRoute_Returns405WithAllow()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/api/v1/stats", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.ToArray());
    }

    [Fact]
    public async Task GetOnTunnelById_Returns405AllowingDelete()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync(StatsTestServer.WithToken);
        using HttpClient client = server.CreateClient(bearerToken: StatsTestServer.Token);

        using HttpResponseMessage response = await client.GetAsync($"/api/v1/tunnels/{FakeStatsSource.ActiveTunnelId}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["DELETE"], response.Content.Headers.Allow.ToArray());
        Assert.Empty(server.Source.DeleteRequests);
    }

    [Fact]
    public async Task Head_ReturnsHeadersWithoutBody()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        using HttpClient client = server.CreateClient();
        using HttpResponseMessage get = await client.GetAsync("/api/v1/stats");
        byte[] getBody = await get.Content.ReadAsByteArrayAsync();

        using var request = new HttpRequestMessage(HttpMethod.Head, "/api/v1/stats");
        using HttpResponseMessage head = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(getBody.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RelayFailure_Returns500AndKeepsServing()
    {
        var source = new FakeStatsSource { FailReads = true };
        await using StatsTestServer server = await StatsTestServer.StartAsync(source: source);
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage failed = await client.GetAsync("/api/v1/tunnels");
        using HttpResponseMessage healthy = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await failed.Content.ReadAsStringAsync());
        Assert.Equal("internal error", body.RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }
}
