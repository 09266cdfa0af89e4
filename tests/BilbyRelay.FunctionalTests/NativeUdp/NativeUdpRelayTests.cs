using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.FunctionalTests.Management;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.NativeUdp;

/// <summary>
/// The native UDP relay plane (PROTOCOL.md §5) of the whole composed relay, over real UDP sockets on several
/// 127.0.0.x addresses, with the fake manager linked. The plane's clock is a manual one, so hold-down and
/// reaping are driven by the test instead of waited for.
/// </summary>
public sealed class NativeUdpRelayTests
{
    private const string ApiToken = "udp-test-token";

    private static async Task<(FakeManager Manager, ComposedRelay Relay, FakeManagerConnection Link, ManualTimeProvider Clock)> StartAsync(Action<Config.RelayConfig>? configure = null)
    {
        var manager = await FakeManager.StartAsync();
        var clock = new ManualTimeProvider();
        var relay = await ComposedRelay.StartAsync(manager, c =>
        {
            c.ApiToken = ApiToken;
            configure?.Invoke(c);
        }, nativeUdpTime: clock);
        var link = await manager.NextAuthenticatedConnectionAsync();
        return (manager, relay, link, clock);
    }

    private static HttpClient Http(ComposedRelay relay)
    {
        var http = relay.CreateStatsClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return http;
    }

    private static IPEndPoint Plane(ComposedRelay relay) => relay.NativeUdp.LocalEndPoints[0];

    /// <summary>An egress edge on 127.0.0.2 and an ingress edge on 127.0.0.3, both registered for the tunnel.</summary>
    private static async Task<(NativeUdpEdge Egress, NativeUdpEdge Ingress)> RegisterPairAsync(ComposedRelay relay, Guid tunnel)
    {
        var egress = new NativeUdpEdge("127.0.0.2", Plane(relay));
        var ingress = new NativeUdpEdge("127.0.0.3", Plane(relay));
        try
        {
            await egress.RegisterAsync(tunnel, "egress");
            await ingress.RegisterAsync(tunnel, "ingress");
            return (egress, ingress);
        }
        catch
        {
            egress.Dispose();
            ingress.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Pairing_ForwardsBothWaysByteExact_FromTheDialledSocket()
    {
        var (manager, relay, _, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        using var egress = new NativeUdpEdge("127.0.0.2", Plane(relay));
        using var ingress = new NativeUdpEdge("127.0.0.3", Plane(relay));

        Assert.False(await egress.RegisterAsync(tunnel, "egress"));
        Assert.True(await ingress.RegisterAsync(tunnel, "ingress"));
        Assert.True(await egress.RegisterAsync(tunnel, "egress"));

        for (var i = 0; i < 20; i++)
        {
            var media = NativeUdpEdge.Media(tunnel, 1316, seed: i);
            egress.Send(media);
            Assert.Equal(media, await ingress.ReceiveAsync());
        }

        var ack = NativeUdpEdge.Media(tunnel, 48, seed: 99);
        ingress.Send(ack);
        Assert.Equal(ack, await egress.ReceiveAsync());

        var metrics = relay.NativeUdp.Sessions.Metrics;
        Assert.Equal(21, metrics.DatagramsForwarded);
        Assert.Equal((20 * 1332) + 64, metrics.BytesForwarded);
    }

    [Fact]
    public async Task A65000ByteDatagram_ArrivesIntact()
    {
        var (manager, relay, _, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var (egress, ingress) = await RegisterPairAsync(relay, tunnel);
        using var _e = egress;
        using var _i = ingress;

        var media = NativeUdpEdge.Media(tunnel, 65_000 - 16, seed: 7);
        egress.Send(media);
        var received = await ingress.ReceiveAsync();

        Assert.Equal(65_000, received.Length);
        Assert.Equal(media, received);
    }

    [Fact]
    public async Task HoldDown_RefusesAnotherIpWhileMediaFlows_AndExpiresAfter12Seconds()
    {
        var (manager, relay, link, clock) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var (egress, ingress) = await RegisterPairAsync(relay, tunnel);
        using var _e = egress;
        using var _i = ingress;
        using var intruder = new NativeUdpEdge("127.0.0.9", Plane(relay));
        egress.Send(NativeUdpEdge.Media(tunnel, 100));
        await ingress.ReceiveAsync();

        await intruder.ExpectNoReplyAsync(NativeUdpEdge.Register(tunnel, "egress"), Guid.NewGuid());
        var refused = await link.ReceiveEventAsync(EventMessages.NativeUdpSlotHeld);
        Assert.Equal("relay_slot_takeover_refused", refused.GetProperty("payload").GetProperty("details").GetProperty("error_code").GetString());
        Assert.Equal(tunnel.ToString("D"), refused.GetProperty("payload").GetProperty("flow_id").GetString());

        // Media still goes to the real receiver.
        var media = NativeUdpEdge.Media(tunnel, 200, seed: 3);
        egress.Send(media);
        Assert.Equal(media, await ingress.ReceiveAsync());

        clock.Advance(TimeSpan.FromMilliseconds(12_000));
        Assert.True(await intruder.RegisterAsync(tunnel, "egress"));
        ingress.Send(NativeUdpEdge.Media(tunnel, 10));
        Assert.Equal(26, (await intruder.ReceiveAsync()).Length);
    }

    [Fact]
    public async Task NatPortRebind_MovesTheSlot_AndTheOldPortNoLongerMatches()
    {
        var (manager, relay, _, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var (egress, ingress) = await RegisterPairAsync(relay, tunnel);
        using var _e = egress;
        using var _i = ingress;
        egress.Send(NativeUdpEdge.Media(tunnel, 100));
        await ingress.ReceiveAsync();

        // The same host behind a NAT that picked a new port: accepted although the slot is protected.
        using var rebound = new NativeUdpEdge("127.0.0.2", Plane(relay));
        Assert.True(await rebound.RegisterAsync(tunnel, "egress"));
        var notMember = relay.NativeUdp.Sessions.Metrics.GetDrops(NativeUdpDropReason.NotMember);

        egress.Send(NativeUdpEdge.Media(tunnel, 100));
        var media = NativeUdpEdge.Media(tunnel, 300, seed: 5);
        rebound.Send(media);
        Assert.Equal(media, await ingress.ReceiveAsync());

        // The old port's datagram may be handled by another loop than the rebound one (the kernel spreads source ports
        // over the loops), so its drop is awaited, not assumed to precede the delivery above.
        await Polling.UntilAsync(
            () => relay.NativeUdp.Sessions.Metrics.GetDrops(NativeUdpDropReason.NotMember) == notMember + 1,
            Infrastructure.TestTimeouts.Default,
            () => $"not_member drops {relay.NativeUdp.Sessions.Metrics.GetDrops(NativeUdpDropReason.NotMember) - notMember}, expected 1");

        ingress.Send(NativeUdpEdge.Media(tunnel, 20, seed: 6));
        Assert.Equal(36, (await rebound.ReceiveAsync()).Length);
    }

    [Fact]
    public async Task SilentSession_IsReapedByTheTimer_AndTheFirstEdgeBackGetsReadyFalse()
    {
        var (manager, relay, _, clock) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var (egress, ingress) = await RegisterPairAsync(relay, tunnel);
        using var _e = egress;
        using var _i = ingress;
        Assert.Equal(1, relay.NativeUdp.Sessions.ActiveSessionCount);

        // The reaper runs every 10 s on the plane's clock: at 40 s the session is more than 30 s silent.
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(0, relay.NativeUdp.Sessions.SessionCount);
        Assert.Equal(1, relay.NativeUdp.Sessions.Metrics.SessionsReaped);

        Assert.False(await ingress.RegisterAsync(tunnel, "ingress"));
        Assert.True(await egress.RegisterAsync(tunnel, "egress"));
    }

    [Fact]
    public async Task PerIpSessionCap_RefusesCreationsBeyondIt_WithAnEvent()
    {
        var (manager, relay, link, _) = await StartAsync(c => c.MaxUdpSessionsPerIp = 2);
        await using var _m = manager;
        await using var _r = relay;
        using var edge = new NativeUdpEdge("127.0.0.4", Plane(relay));
        var first = Guid.NewGuid();
        await edge.RegisterAsync(first, "egress");
        await edge.RegisterAsync(Guid.NewGuid(), "egress");

        var third = Guid.NewGuid();
        await edge.ExpectNoReplyAsync(NativeUdpEdge.Register(third, "egress"), first, "egress");
        var e = await link.ReceiveEventAsync(EventMessages.NativeUdpSessionCapExceeded);
        Assert.Equal("relay_dos_suspect", e.GetProperty("payload").GetProperty("details").GetProperty("error_code").GetString());
        Assert.Equal(1, relay.NativeUdp.Sessions.Metrics.GetRejections(NativeUdpRejectReason.PerIpCap));

        // Another IP may create it.
        using var other = new NativeUdpEdge("127.0.0.5", Plane(relay));
        Assert.False(await other.RegisterAsync(third, "egress"));
    }

    [Fact]
    public async Task BindTokens_FromTheManager_GovernRegisters()
    {
        var (manager, relay, link, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var ack = await link.CommandAsync("auth-1", $$"""{"type":"authorize_tunnel","tunnel_id":"{{tunnel}}","ingress_token":"in-tok","egress_token":"out-tok"}""");
        Assert.True(ack.GetProperty("payload").GetProperty("success").GetBoolean());
        using var edge = new NativeUdpEdge("127.0.0.6", Plane(relay));

        await edge.ExpectNoReplyAsync(NativeUdpEdge.Register(tunnel, "egress"), Guid.NewGuid());
        await edge.ExpectNoReplyAsync(NativeUdpEdge.Register(tunnel, "egress", "in-tok"), Guid.NewGuid());
        await link.ReceiveEventAsync(EventMessages.NativeUdpInvalidToken);
        Assert.Equal(2, relay.NativeUdp.Sessions.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));

        Assert.False(await edge.RegisterAsync(tunnel, "egress", "out-tok"));
    }

    [Fact]
    public async Task RelayOwnAddress_IsNeverLatched()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        occupant.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
        var publicAddress = (IPEndPoint)occupant.LocalEndPoint!;
        occupant.Dispose();
        var (manager, relay, link, _) = await StartAsync(c =>
        {
            c.UdpRelayAddrs = [new IPEndPoint(IPAddress.Any, 0)];
            c.PublicUdpAddr = publicAddress.ToString();
        });
        await using var _m = manager;
        await using var _r = relay;
        var port = relay.NativeUdp.LocalEndPoints[0].Port;
        var plane = new IPEndPoint(IPAddress.Loopback, port);
        var tunnel = Guid.NewGuid();

        // A source on the relay's own wildcard port (any local IP) and the public_udp_addr literal are the relay's own.
        using var spoofedOwn = new NativeUdpEdge("127.0.0.5", plane, port, reuseAddress: true);
        using var spoofedPublic = new NativeUdpEdge("127.0.0.9", plane, publicAddress.Port);
        using var probe = new NativeUdpEdge("127.0.0.5", plane);
        spoofedOwn.SendRegister(tunnel, "egress");
        spoofedPublic.SendRegister(tunnel, "ingress");
        var sources = new List<string?>();
        for (var i = 0; i < 2; i++)
        {
            var details = (await link.ReceiveEventAsync(EventMessages.NativeUdpImplausibleSource)).GetProperty("payload").GetProperty("details");
            Assert.Equal("relay_own_address", details.GetProperty("reason").GetString());
            sources.Add(details.GetProperty("remote_addr").GetString());
        }

        Assert.Equal(new[] { spoofedOwn.LocalEndPoint.ToString(), publicAddress.ToString() }.Order(), sources.Order());
        Assert.Equal(2, relay.NativeUdp.Sessions.Metrics.GetRejections(NativeUdpRejectReason.RelayOwnAddress));
        Assert.Equal(0, relay.NativeUdp.Sessions.SessionCount);

        // The same IP with the edge's own port is an ordinary edge.
        Assert.False(await probe.RegisterAsync(tunnel, "egress"));
        Assert.Equal(Core.NativeUdp.UdpPeerAddress.FromEndPoint(probe.LocalEndPoint), relay.NativeUdp.Sessions.Find(Core.Tunnels.TunnelId.FromGuid(tunnel))!.Egress.Address);
    }

    [Fact]
    public async Task Rest_ListsAndDeletesSessions_AndHealthAndMetricsCountThem()
    {
        var (manager, relay, _, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var tunnel = Guid.NewGuid();
        var (egress, ingress) = await RegisterPairAsync(relay, tunnel);
        using var _e = egress;
        using var _i = ingress;
        egress.Send(NativeUdpEdge.Media(tunnel, 84));
        await ingress.ReceiveAsync();
        using var http = Http(relay);

        var list = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/udp-sessions", UriKind.Relative))).RootElement;
        var session = Assert.Single(list.GetProperty("sessions").EnumerateArray());
        Assert.Equal(
            ["tunnel_id", "transport", "status", "ingress_addr", "egress_addr", "bytes_ingress", "bytes_egress", "datagrams", "uptime_secs"],
            session.EnumerateObject().Select(p => p.Name));
        Assert.Equal(tunnel.ToString("D"), session.GetProperty("tunnel_id").GetString());
        Assert.Equal("udp", session.GetProperty("transport").GetString());
        Assert.Equal("active", session.GetProperty("status").GetString());
        Assert.Equal(ingress.LocalEndPoint.ToString(), session.GetProperty("ingress_addr").GetString());
        Assert.Equal(egress.LocalEndPoint.ToString(), session.GetProperty("egress_addr").GetString());
        Assert.Equal(100, session.GetProperty("bytes_egress").GetInt64());
        Assert.Equal(1, session.GetProperty("datagrams").GetInt64());

        var tunnels = await http.GetStringAsync(new Uri("/api/v1/tunnels", UriKind.Relative));
        Assert.DoesNotContain(tunnel.ToString("D"), tunnels, StringComparison.Ordinal);

        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/health", UriKind.Relative))).RootElement;
        Assert.Equal(1, health.GetProperty("udp_sessions_total").GetInt64());
        Assert.Equal(1, health.GetProperty("udp_sessions_active").GetInt64());

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("bilbycast_relay_udp_sessions_total 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_udp_sessions_active 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_udp_datagrams_forwarded_total 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_udp_bytes_forwarded_total 100\n", metrics, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_udp_registers_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains($"bilbycast_relay_udp_socket_buffer_bytes{{addr=\"{Plane(relay)}\",dir=\"receive\"}}", metrics, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_udp_dropped_total{reason=\"send_error\"} 0\n", metrics, StringComparison.Ordinal);

        using (var bad = await http.DeleteAsync(new Uri("/api/v1/udp-sessions/not-a-uuid", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.StartsWith("invalid session id (must be a UUID): ", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        var unknown = Guid.NewGuid();
        using (var missing = await http.DeleteAsync(new Uri($"/api/v1/udp-sessions/{unknown}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal($"session '{unknown}' not found", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }

        using (var deleted = await http.DeleteAsync(new Uri($"/api/v1/udp-sessions/{tunnel}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Equal($$"""{"deleted":true,"tunnel_id":"{{tunnel}}"}""", await deleted.Content.ReadAsStringAsync());
        }

        Assert.Equal(0, relay.NativeUdp.Sessions.SessionCount);
        Assert.False(await ingress.RegisterAsync(tunnel, "ingress"));
    }

    [Fact]
    public async Task Manager_SeesTheCapabilitySessionsAndCommands()
    {
        var (manager, relay, link, _) = await StartAsync(c => c.PublicUdpAddr = "relay.example.com:4434");
        await using var _m = manager;
        await using var _r = relay;
        var health = (await link.ReceiveTypeAsync("health")).GetProperty("payload");
        Assert.Equal(["udp-relay"], health.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("relay.example.com:4434", health.GetProperty("public_udp_addr").GetString());
        Assert.Equal(0, health.GetProperty("udp_sessions_total").GetInt64());

        var tunnel = Guid.NewGuid();
        using var egress = new NativeUdpEdge("127.0.0.2", Plane(relay));
        await egress.RegisterAsync(tunnel, "egress");

        var stats = (await link.ReceiveTypeAsync("stats", m => m.GetProperty("payload").GetProperty("udp_sessions_total").GetInt64() == 1)).GetProperty("payload");
        Assert.Equal("waiting_ingress", Assert.Single(stats.GetProperty("udp_sessions").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal(0, stats.GetProperty("udp_sessions_active").GetInt64());
        Assert.Equal(0, stats.GetProperty("total_tunnels").GetInt64());

        var listed = (await link.CommandAsync("l-1", """{"type":"list_udp_sessions"}""")).GetProperty("payload");
        Assert.True(listed.GetProperty("success").GetBoolean());
        Assert.Equal(egress.LocalEndPoint.ToString(), Assert.Single(listed.GetProperty("data").EnumerateArray()).GetProperty("egress_addr").GetString());

        static string? Error(JsonElement ack) => ack.GetProperty("payload").TryGetProperty("error", out var e) ? e.GetString() : null;
        Assert.Equal("Missing tunnel_id", Error(await link.CommandAsync("c-1", """{"type":"close_udp_session"}""")));
        Assert.StartsWith("Invalid UUID: ", Error(await link.CommandAsync("c-2", """{"type":"close_udp_session","tunnel_id":"zzz"}""")), StringComparison.Ordinal);
        var unknown = Guid.NewGuid();
        Assert.Equal($"Native-UDP session '{unknown}' not found", Error(await link.CommandAsync("c-3", $$"""{"type":"close_udp_session","tunnel_id":"{{unknown}}"}""")));

        var closed = (await link.CommandAsync("c-4", $$"""{"type":"close_udp_session","tunnel_id":"{{tunnel}}"}""")).GetProperty("payload");
        Assert.True(closed.GetProperty("success").GetBoolean());
        Assert.False(closed.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null);
        Assert.Equal(0, relay.NativeUdp.Sessions.SessionCount);
    }

    [Fact]
    public async Task PortTaken_TheRelayServesQuicOnly_SaysSo_AndDoesNotAdvertise()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)occupant.LocalEndPoint!;
        var (manager, relay, link, _) = await StartAsync(c => c.UdpRelayAddrs = [taken]);
        await using var _m = manager;
        await using var _r = relay;

        Assert.Empty(relay.NativeUdp.LocalEndPoints);
        var e = await link.ReceiveEventAsync(EventMessages.NativeUdpNotStarted);
        var details = e.GetProperty("payload").GetProperty("details");
        Assert.Equal("relay_udp_bind_failed", details.GetProperty("error_code").GetString());
        Assert.Equal([taken.ToString()], details.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
        var health = (await link.ReceiveTypeAsync("health")).GetProperty("payload");
        Assert.Empty(health.GetProperty("capabilities").EnumerateArray());

        await using var edge = await relay.ConnectEdgeAsync();
        await edge.HelloAsync(2, "edge-test");
        Assert.Equal(2u, (await edge.ReceiveControlAsync(Infrastructure.TestTimeouts.Token())).Root.GetProperty("protocol_version").GetUInt32());
    }

    [Fact]
    public async Task StartUp_RaisesTheUnauthenticatedPostureEvent()
    {
        var (manager, relay, link, _) = await StartAsync();
        await using var _m = manager;
        await using var _r = relay;
        var e = await link.ReceiveEventAsync(EventMessages.NativeUdpUnauthenticated);
        Assert.False(e.GetProperty("payload").TryGetProperty("flow_id", out _));
        Assert.Equal("relay_native_plane_unauthenticated", e.GetProperty("payload").GetProperty("details").GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Disabled_OpensNoSocket_AndAdvertisesNothing()
    {
        var (manager, relay, link, _) = await StartAsync(c => c.UdpRelayEnabled = false);
        await using var _m = manager;
        await using var _r = relay;

        Assert.Empty(relay.NativeUdp.LocalEndPoints);
        var health = (await link.ReceiveTypeAsync("health")).GetProperty("payload");
        Assert.Empty(health.GetProperty("capabilities").EnumerateArray());
        // The first health report follows start-up, so anything the plane logged at start is recorded by now.
        Assert.DoesNotContain(relay.Log.Entries, e => e.Category == "udp-relay" || e.Message.Contains("Native-UDP", StringComparison.Ordinal));
    }
}
