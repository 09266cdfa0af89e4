using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// The protocol rows of PROTOCOL.md §1.1–§1.4 against the published native executable with default
/// settings, observed only from outside: edges' replies and notifications, stream resets,
/// datagrams, the REST endpoint and the JSON log.
/// </summary>
public sealed class PublishedBinaryProtocolTests : IAsyncLifetime
{
    private const int StreamCount = 100;
    private const int StreamBytes = 64 * 1024;

    // Fits the smallest path QUIC allows (1200-byte UDP payloads), so it never waits for path MTU discovery.
    private const int DatagramPayloadLength = 1100;

    private PublishedRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await PublishedRelay.StartAsync("--log-format", "json");

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task PublishedBinary_Hello_RepliesHelloAckWithProtocolVersion2()
    {
        await using var edge = await ConnectAsync();

        await edge.HelloAsync(2, "edge-test");
        var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());

        Assert.True(reply.Type == "hello_ack", $"expected hello_ack, got {reply}");
        Assert.Equal(2u, reply.Root.GetProperty("protocol_version").GetUInt32());
        Assert.False(string.IsNullOrEmpty(reply.GetString("software_version")), $"no software_version in {reply}");
        await edge.ExpectPongAsync();
    }

    [Fact]
    public async Task PublishedBinary_UnknownTypeAndMalformedJson_IgnoredAndPingStillAnswered()
    {
        await using var edge = await ConnectAsync();

        await edge.SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "feature_from_the_future");
            w.WriteNumber("level", 3);
        }));
        await edge.SendAsync("{\"type\": \"tunnel_bind\", "u8.ToArray());
        await edge.SendAsync("[1,2,3]"u8.ToArray());

        // The very next reply is the pong: nothing was answered, and the connection is still up.
        await edge.ExpectPongAsync();
        Assert.False(edge.Closed.IsCompleted, "the relay closed the connection");
    }

    [Fact]
    public async Task PublishedBinary_OversizedControlFrame_ClosesOnlyThatConnection()
    {
        await using var offender = await ConnectAsync();
        await using var bystander = await ConnectAsync();
        await offender.ExpectPongAsync();

        // The relay may close the connection while the frame is still being written.
        var send = await Record.ExceptionAsync(() => offender.SendAsync(new byte[2 * 1024 * 1024]));
        Assert.True(send is null or IOException, $"unexpected failure: {send}");

        var closed = await offender.Closed.WaitAsync(TestTimeouts.Default);
        Assert.NotNull(closed.ApplicationErrorCode);
        Assert.NotEqual(0, closed.ApplicationErrorCode);
        var failed = await WaitForEventAsync("edge", $"Edge connection failed: control stream error from 127.0.0.1:{offender.LocalEndPoint.Port}");
        Assert.Equal("warn", failed.Level);
        await bystander.ExpectPongAsync();
    }

    [Fact]
    public async Task PublishedBinary_Bind_WaitingThenReadyThroughTheRightStreamsAndActiveEventLogged()
    {
        await using var ingress = await ConnectAsync();
        await using var egress = await ConnectAsync();
        var tunnel = Guid.NewGuid();

        await ingress.BindAsync(tunnel, "ingress", "tcp");
        await ingress.ExpectControlAsync("tunnel_waiting", tunnel);
        Assert.Equal("waiting_egress", (await GetTunnelAsync(tunnel)).GetProperty("status").GetString());
        await egress.BindAsync(tunnel, "egress", "tcp");

        // The binder hears it on its control stream, the first binder on a notification stream.
        await egress.ExpectControlAsync("tunnel_ready", tunnel);
        await ingress.ExpectNotificationAsync("tunnel_ready", tunnel);
        var active = await WaitForEventAsync("tunnel", "Tunnel active (both sides bound)", tunnel);
        Assert.Equal("info", active.Level);

        // Nothing else was sent on either control stream, and no other notification came.
        await ingress.ExpectPongAsync();
        await egress.ExpectPongAsync();
        Assert.False(ingress.TryReceiveNotification(out var extra), $"unexpected notification {extra}");
        Assert.False(egress.TryReceiveNotification(out extra), $"unexpected notification {extra}");
        var listed = await GetTunnelAsync(tunnel);
        Assert.Equal("active", listed.GetProperty("status").GetString());
        Assert.Equal("tcp", listed.GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task PublishedBinary_Unbind_PeerGetsTunnelDownPeerUnbound()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        await pair.Ingress.UnbindAsync(pair.TunnelId);

        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer unbound");
        await pair.Ingress.ExpectPongAsync();
        await pair.Egress.ExpectPongAsync();
        Assert.Equal("waiting_ingress", (await GetTunnelAsync(pair.TunnelId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task PublishedBinary_Disconnect_PeerGetsTunnelDownPeerDisconnectedAndEventLogged()
    {
        var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await using var egress = pair.Egress;

        await pair.Ingress.DisposeAsync();

        await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer disconnected");
        var down = await WaitForEventAsync("tunnel", "Tunnel down: edge disconnected", pair.TunnelId);
        Assert.Equal("warn", down.Level);
        await pair.Egress.ExpectPongAsync();
    }

    [Fact]
    public async Task PublishedBinary_BindOccupiedSlot_DisplacesHolderWithSlotTaken()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await using var newer = await ConnectAsync();

        await newer.BindAsync(pair.TunnelId, "ingress", "tcp");

        await newer.ExpectControlAsync("tunnel_ready", pair.TunnelId);
        await pair.Ingress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "slot taken by a newer bind");
        await pair.Egress.ExpectNotificationAsync("tunnel_ready", pair.TunnelId);

        // The displaced edge keeps its connection; the tunnel now carries streams from the newer edge.
        await pair.Ingress.ExpectPongAsync();
        var opened = await newer.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 70, StreamBytes);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
    }

    [Fact]
    public async Task PublishedBinary_TcpStreams_HundredConcurrentByteExactWithFinBothWays()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        // Stream i carries seed 1000+i towards egress and seed 2000+i back; egress recognises i by the hash.
        var toEgress = Enumerable.Range(0, StreamCount).ToDictionary(i => Convert.ToHexString(TestPayload.Sha256(TestPayload.Bytes(1000 + i, StreamBytes))), i => i);
        var seenAtEgress = new ConcurrentDictionary<int, bool>();

        async Task EgressSideAsync(TunnelStream accepted)
        {
            Assert.Equal(pair.TunnelId.ToString("D"), accepted.Header.TunnelId);
            Assert.Equal("tcp", accepted.Header.GetString("stream_type"));
            var (length, sha) = await TestPayload.ReadToEndAsync(accepted.Stream.Input);
            Assert.Equal(StreamBytes, length);
            Assert.True(toEgress.TryGetValue(Convert.ToHexString(sha), out var index), "a stream arrived with bytes no stream sent");
            Assert.True(seenAtEgress.TryAdd(index, true), $"stream {index} arrived twice");
            await TestPayload.WriteAsync(accepted.Stream.Output, seed: 2000 + index, StreamBytes);
        }

        async Task EgressAsync()
        {
            var sides = new List<Task>();
            for (int i = 0; i < StreamCount; i++)
            {
                var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
                sides.Add(Task.Run(() => EgressSideAsync(accepted)));
            }

            await Task.WhenAll(sides);
        }

        async Task IngressSideAsync(int index)
        {
            var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
            var read = Task.Run(() => TestPayload.ReadToEndAsync(opened.Input));
            await TestPayload.WriteAsync(opened.Output, seed: 1000 + index, StreamBytes);
            var (length, sha) = await read;
            Assert.Equal(StreamBytes, length);
            Assert.Equal(TestPayload.Sha256(TestPayload.Bytes(2000 + index, StreamBytes)), sha);
        }

        var egress = Task.Run(EgressAsync);
        await Task.WhenAll(Enumerable.Range(0, StreamCount).Select(i => Task.Run(() => IngressSideAsync(i))).Append(egress)).WaitAsync(TestTimeouts.Default);

        Assert.Equal(StreamCount, seenAtEgress.Count);
        var stats = (await GetTunnelAsync(pair.TunnelId)).GetProperty("stats");
        Assert.Equal(StreamCount, stats.GetProperty("tcp_streams_total").GetInt64());
    }

    [Fact]
    public async Task PublishedBinary_DataStreamForUnknownTunnel_ResetAndCountedAsUnknownTunnel()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var before = await GetMetricAsync("bilbycast_relay_stream_refusals_total", "unknown_tunnel");

        var stream = await pair.Ingress.OpenRefusableStreamAsync(SimulatedEdge.TunnelStreamHeader(Guid.NewGuid().ToString("D")));

        var refusal = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await stream.Input.ReadAsync(TestTimeouts.Token()));
        Assert.Equal(QuicStreamAbortKind.Reset, refusal.Kind);
        Assert.NotEqual(0, refusal.ApplicationErrorCode);
        Assert.Equal(before + 1, await GetMetricAsync("bilbycast_relay_stream_refusals_total", "unknown_tunnel"));

        // Nothing else changed: the connection answers and the tunnel still carries a stream.
        await pair.Ingress.ExpectPongAsync();
        Assert.False(pair.Egress.TryReceiveNotification(out var extra), $"unexpected notification {extra}");
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 80, StreamBytes);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
    }

    [Fact]
    public async Task PublishedBinary_Datagrams_BothWaysWithPrefixIntact()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        var fromIngress = Datagram(pair.TunnelId, TestPayload.Bytes(90, DatagramPayloadLength));
        var fromEgress = Datagram(pair.TunnelId, TestPayload.Bytes(91, DatagramPayloadLength));

        Assert.True(pair.Ingress.SendRawDatagram(fromIngress));
        Assert.Equal(fromIngress, await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token()));
        Assert.True(pair.Egress.SendRawDatagram(fromEgress));
        Assert.Equal(fromEgress, await pair.Ingress.Datagrams.ReadAsync(TestTimeouts.Token()));

        var stats = (await GetTunnelAsync(pair.TunnelId)).GetProperty("stats");
        Assert.Equal(2, stats.GetProperty("udp_datagrams_total").GetInt64());
        Assert.Equal(DatagramPayloadLength, stats.GetProperty("bytes_ingress").GetInt64());
        Assert.Equal(DatagramPayloadLength, stats.GetProperty("bytes_egress").GetInt64());
    }

    [Fact]
    public async Task PublishedBinary_DatagramShorterThanPrefix_DroppedAndCountedAsTooShort()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        var before = await GetMetricAsync("bilbycast_relay_datagram_drops_total", "too_short");
        var valid = Datagram(pair.TunnelId, TestPayload.Bytes(92, 100));

        // Datagrams from one connection are handled in arrival order: once the valid one reached the
        // peer, the relay has handled the short one sent before it.
        Assert.True(pair.Ingress.SendRawDatagram(new byte[15]));
        Assert.True(pair.Ingress.SendRawDatagram(valid));

        Assert.Equal(valid, await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token()));
        Assert.Equal(before + 1, await GetMetricAsync("bilbycast_relay_datagram_drops_total", "too_short"));
        await pair.Egress.ExpectPongAsync();
        Assert.False(pair.Egress.Datagrams.TryRead(out var extra), $"unexpected datagram of {extra?.Length} bytes");
    }

    private Task<SimulatedEdge> ConnectAsync() => SimulatedEdge.ConnectAsync(_relay.Endpoint, null, TestTimeouts.Token());

    private Task<LoggedEvent> WaitForEventAsync(string category, string message, Guid? tunnel = null) =>
        PublishedBinaryObservations.WaitForEventAsync(_relay, category, message, tunnel);

    private Task<JsonElement> GetTunnelAsync(Guid tunnel) => PublishedBinaryObservations.GetTunnelAsync(_relay, tunnel);

    private Task<long> GetMetricAsync(string name, string reason) => PublishedBinaryObservations.GetReasonMetricAsync(_relay, name, reason);

    private static byte[] Datagram(Guid tunnelId, byte[] payload)
    {
        var datagram = new byte[16 + payload.Length];
        Assert.True(tunnelId.TryWriteBytes(datagram, bigEndian: true, out _));
        payload.CopyTo(datagram, 16);
        return datagram;
    }
}

/// <summary>
/// PROTOCOL.md §1.2 rules 1–2 and §2 against the published binary: settings other than the
/// defaults, given as <c>BILBYRELAY_*</c> environment variables, one relay process per test.
/// </summary>
public sealed class PublishedBinaryLimitTests
{
    [Fact]
    public async Task PublishedBinary_BindOverPerConnectionCap_RejectedWithEventAndConnectionKept()
    {
        await using var relay = await StartAsync("BILBYRELAY_MAX_TUNNELS_PER_CONNECTION", "2");
        await using var edge = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, TestTimeouts.Token());
        var tunnels = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };

        await edge.BindAsync(tunnels[0], "ingress", "udp");
        await edge.ExpectControlAsync("tunnel_waiting", tunnels[0]);
        await edge.BindAsync(tunnels[1], "egress", "udp");
        await edge.ExpectControlAsync("tunnel_waiting", tunnels[1]);
        await edge.BindAsync(tunnels[2], "ingress", "udp");

        await edge.ExpectControlAsync("tunnel_down", tunnels[2], "per-connection tunnel limit exceeded");
        var capped = await PublishedBinaryObservations.WaitForEventAsync(relay, "tunnel", "Tunnel bind rejected: per-connection cap exceeded", tunnels[2]);
        Assert.Equal("warn", capped.Level);
        await edge.ExpectPongAsync();
        var listed = await PublishedBinaryObservations.GetTunnelsAsync(relay);
        Assert.Equal(
            tunnels[..2].Select(t => t.ToString("D")).Order(StringComparer.Ordinal),
            listed.Select(t => t.GetProperty("tunnel_id").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PublishedBinary_ConnectOverPerIpCap_ClosedAtOnceWithEventAndOthersUnaffected()
    {
        await using var relay = await StartAsync("BILBYRELAY_MAX_CONNECTIONS_PER_IP", "2");
        await using var pair = await TunnelPair.BindAsync(relay.Endpoint);

        SimulatedEdge? third = null;
        long? closeCode;
        try
        {
            // The handshake may complete before the relay closes the connection, or the close may fail the dial.
            try
            {
                third = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, TestTimeouts.Token());
                closeCode = (await third.Closed.WaitAsync(TestTimeouts.Default)).ApplicationErrorCode;
            }
            catch (QuicException refused)
            {
                closeCode = refused.ApplicationErrorCode;
            }

            Assert.NotNull(closeCode);
            Assert.NotEqual(0, closeCode);
            var rejected = await PublishedBinaryObservations.WaitForEventAsync(relay, "edge", "Connection rejected: per-IP cap exceeded (2 active from 127.0.0.1)");
            Assert.Equal("warn", rejected.Level);
        }
        finally
        {
            if (third is not null)
            {
                await third.DisposeAsync();
            }
        }

        // The two admitted edges keep their connections and their tunnel.
        await pair.Ingress.ExpectPongAsync();
        await pair.Egress.ExpectPongAsync();
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 100, 64 * 1024);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
        var stats = await PublishedBinaryObservations.GetJsonAsync(relay, "/api/v1/stats");
        Assert.Equal(2, stats.GetProperty("connected_edges").GetInt64());
        Assert.Equal(2, stats.GetProperty("connections_total").GetInt64());
    }

    [Fact]
    public async Task PublishedBinary_BindWithoutTokenWhenBindAuthRequired_RejectedWithEventAndConnectionKept()
    {
        await using var relay = await StartAsync("BILBYRELAY_REQUIRE_BIND_AUTH", "true");
        await using var edge = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, TestTimeouts.Token());
        var tunnel = Guid.NewGuid();

        await edge.BindAsync(tunnel, "ingress", "tcp");

        await edge.ExpectControlAsync("tunnel_down", tunnel, "bind authentication failed");
        var rejected = await PublishedBinaryObservations.WaitForEventAsync(relay, "tunnel", "Tunnel bind rejected: invalid token", tunnel);
        Assert.Equal("warn", rejected.Level);
        await edge.ExpectPongAsync();
        Assert.Empty(await PublishedBinaryObservations.GetTunnelsAsync(relay));
    }

    private static Task<PublishedRelay> StartAsync(string variable, string value) =>
        PublishedRelay.StartAsync(new Dictionary<string, string> { [variable] = value }, "--log-format", "json");
}

/// <summary>One §4 event as the binary logged it (<c>--log-format json</c>).</summary>
internal sealed record LoggedEvent(string Level, string Message);

/// <summary>What an outside client can observe of the published binary: its JSON log and its REST endpoint.</summary>
internal static class PublishedBinaryObservations
{
    private const int RelayEventId = 3900;

    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    /// <summary>
    /// Awaits the log line of an event: <c>[category] message</c>, then <c> (tunnel id)</c> for tunnel
    /// events, then optionally <c>: details</c>.
    /// </summary>
    public static async Task<LoggedEvent> WaitForEventAsync(PublishedRelay relay, string category, string message, Guid? tunnel = null)
    {
        var expected = $"[{category}] {message}" + (tunnel is null ? "" : $" (tunnel {tunnel.Value:D})");
        var line = await relay.WaitForLogLineAsync(l => ParseEvent(l) is { } e && (e.Message == expected || e.Message.StartsWith(expected + ": ", StringComparison.Ordinal)));
        return ParseEvent(line)!;
    }

    public static async Task<JsonElement> GetJsonAsync(PublishedRelay relay, string path)
    {
        using var response = await Http.GetAsync(new Uri($"http://{relay.ApiEndpoint}{path}"), TestTimeouts.Token());
        var body = await response.Content.ReadAsStringAsync(TestTimeouts.Token());
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static async Task<IReadOnlyList<JsonElement>> GetTunnelsAsync(PublishedRelay relay) =>
        [.. (await GetJsonAsync(relay, "/api/v1/tunnels")).GetProperty("tunnels").EnumerateArray()];

    public static async Task<JsonElement> GetTunnelAsync(PublishedRelay relay, Guid tunnel)
    {
        var tunnels = await GetTunnelsAsync(relay);
        return Assert.Single(tunnels, t => t.GetProperty("tunnel_id").GetString() == tunnel.ToString("D"));
    }

    /// <summary>The value of <c>name{reason="reason"}</c> in <c>GET /metrics</c>; 0 when the sample is absent.</summary>
    public static async Task<long> GetReasonMetricAsync(PublishedRelay relay, string name, string reason)
    {
        using var response = await Http.GetAsync(new Uri($"http://{relay.ApiEndpoint}/metrics"), TestTimeouts.Token());
        var body = await response.Content.ReadAsStringAsync(TestTimeouts.Token());
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: {(int)response.StatusCode} {body}");
        Assert.Contains($"# TYPE {name} counter", body, StringComparison.Ordinal);
        var prefix = $"{name}{{reason=\"{reason}\"}} ";
        var sample = body.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return sample is null ? 0 : long.Parse(sample[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static LoggedEvent? ParseEvent(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("event_id", out var id) && id.TryGetInt32(out var value) && value == RelayEventId
                ? new LoggedEvent(root.GetProperty("level").GetString()!, root.GetProperty("message").GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
