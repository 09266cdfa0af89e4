using System.Globalization;
using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerMessageShapeTests
{
    private static readonly DateTimeOffset Timestamp = new(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));

    private static JsonElement Parse(byte[] frame) => JsonDocument.Parse(frame).RootElement.Clone();

    private static string[] Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Envelope_HasTypeUtcTimestampAndPayload()
    {
        var frame = Parse(ManagerEnvelope.Create("pong", Timestamp, EmptyPayload.Instance, ManagerJsonContext.Default.EmptyPayload));

        Assert.Equal(["type", "timestamp", "payload"], Keys(frame));
        Assert.Equal("pong", frame.GetProperty("type").GetString());
        Assert.Equal("2026-03-04T03:06:07.000000Z", frame.GetProperty("timestamp").GetString());
        Assert.Equal(JsonValueKind.Object, frame.GetProperty("payload").ValueKind);
        Assert.Empty(Keys(frame.GetProperty("payload")));
        var parsed = DateTimeOffset.Parse(frame.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(Timestamp, parsed);
    }

    [Fact]
    public void AuthPayload_NodeCredentials_OmitsToken()
    {
        var payload = Parse(ManagerEnvelope.Create("auth", Timestamp, new AuthPayload { NodeId = "n", NodeSecret = "s", SoftwareVersion = "1.2.3" }, ManagerJsonContext.Default.AuthPayload))
            .GetProperty("payload");

        Assert.Equal(["node_id", "node_secret", "software_version", "protocol_version"], Keys(payload));
        Assert.Equal(1, payload.GetProperty("protocol_version").GetInt32());
    }

    [Fact]
    public void AuthPayload_RegistrationToken_OmitsNodeFields()
    {
        var payload = Parse(ManagerEnvelope.Create("auth", Timestamp, new AuthPayload { RegistrationToken = "t", SoftwareVersion = "1.2.3" }, ManagerJsonContext.Default.AuthPayload))
            .GetProperty("payload");

        Assert.Equal(["registration_token", "software_version", "protocol_version"], Keys(payload));
    }

    [Fact]
    public void StatsPayload_HasExactlyTheDocumentedFields()
    {
        var payload = Parse(ManagerEnvelope.Create("stats", Timestamp, new FakeManagedRelay().GetStats(), ManagerJsonContext.Default.ManagerStatsPayload))
            .GetProperty("payload");

        string[] expected =
        [
            "tunnels", "edges", "connected_edges", "active_tunnels", "total_tunnels", "total_bytes_ingress",
            "total_bytes_egress", "total_bytes_forwarded", "total_bandwidth_bps", "total_tcp_streams",
            "active_tcp_streams", "total_udp_datagrams", "peak_tunnels", "peak_edges", "connections_total", "uptime_secs",
            "udp_sessions", "udp_sessions_total", "udp_sessions_active",
        ];
        Assert.Equal(expected.Order(), Keys(payload).Order());
        Assert.Equal(800, payload.GetProperty("total_bandwidth_bps").GetInt64());
        Assert.Equal(42, payload.GetProperty("uptime_secs").GetInt64());
        Assert.Equal(3, payload.GetProperty("connections_total").GetInt64());
        var tunnel = payload.GetProperty("tunnels")[0];
        Assert.Equal(
            new[] { "tunnel_id", "protocol", "status", "ingress_edge_id", "egress_edge_id", "ingress_remote_addr", "egress_remote_addr", "stats" }.Order(),
            Keys(tunnel).Order());
        Assert.Equal(JsonValueKind.Null, tunnel.GetProperty("egress_edge_id").ValueKind);
        Assert.Equal(FakeManagedRelay.KnownTunnel.ToString(), tunnel.GetProperty("tunnel_id").GetString());
        Assert.Equal(
            new[] { "bytes_ingress", "bytes_egress", "tcp_streams_total", "tcp_streams_active", "udp_datagrams_total", "uptime_secs" }.Order(),
            Keys(tunnel.GetProperty("stats")).Order());
        Assert.Equal(["edge_id", "remote_addr"], Keys(payload.GetProperty("edges")[0]));
    }

    [Fact]
    public void HealthPayload_HasExactlyTheDocumentedFieldsWithNullPublicAddress()
    {
        var payload = Parse(ManagerEnvelope.Create("health", Timestamp, new FakeManagedRelay().GetHealth(), ManagerJsonContext.Default.ManagerHealthPayload))
            .GetProperty("payload");

        string[] expected =
        [
            "status", "version", "uptime_secs", "connected_edges", "active_tunnels", "total_tunnels", "total_bytes_forwarded",
            "peak_tunnels", "peak_edges", "connections_total", "api_addr", "quic_addr", "public_quic_addr", "capabilities",
            "events_dropped", "public_udp_addr", "udp_sessions_total", "udp_sessions_active",
        ];
        Assert.Equal(expected.Order(), Keys(payload).Order());
        Assert.Equal("ok", payload.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("public_quic_addr").ValueKind);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("public_udp_addr").ValueKind);
        Assert.Equal(JsonValueKind.Array, payload.GetProperty("capabilities").ValueKind);
    }

    [Fact]
    public void EventPayload_JsonDetailsAreSentAsAnObject()
    {
        var relayEvent = new RelayEvent(EventSeverity.Warning, EventCategory.Tunnel, "x", null, """{"error_code":"e","suppressed":3}""", Timestamp) { DetailsIsJson = true };
        var json = Parse(ManagerEnvelope.Create("event", Timestamp, EventPayload.From(relayEvent), ManagerJsonContext.Default.EventPayload)).GetProperty("payload");

        Assert.Equal("e", json.GetProperty("details").GetProperty("error_code").GetString());
        Assert.Equal(3, json.GetProperty("details").GetProperty("suppressed").GetInt32());
    }

    [Fact]
    public void EventPayload_OptionalFieldsOnlyWhenPresent()
    {
        var plain = EventPayload.From(new RelayEvent(EventSeverity.Warning, EventCategory.Edge, "Edge disconnected from 1.2.3.4:5", null, null, Timestamp));
        var tunnel = EventPayload.From(new RelayEvent(EventSeverity.Critical, EventCategory.Tunnel, "x", "6f1c7a52-3d1e-4c55-9a8e-0b1f2c3d4e5f", "more", Timestamp));

        var plainJson = Parse(ManagerEnvelope.Create("event", Timestamp, plain, ManagerJsonContext.Default.EventPayload)).GetProperty("payload");
        var tunnelJson = Parse(ManagerEnvelope.Create("event", Timestamp, tunnel, ManagerJsonContext.Default.EventPayload)).GetProperty("payload");

        Assert.Equal(["severity", "category", "message"], Keys(plainJson));
        Assert.Equal("warning", plainJson.GetProperty("severity").GetString());
        Assert.Equal(["severity", "category", "message", "flow_id", "details"], Keys(tunnelJson));
        Assert.Equal("critical", tunnelJson.GetProperty("severity").GetString());
        Assert.Equal("info", EventPayload.From(new RelayEvent(EventSeverity.Info, EventCategory.Manager, "x", null, null, Timestamp)).Severity);
    }

    [Fact]
    public void InboundMessage_LenientParsing()
    {
        Assert.False(ManagerInboundMessage.TryParse("{not json"u8.ToArray(), out _, out var malformed));
        Assert.StartsWith("malformed JSON", malformed, StringComparison.Ordinal);
        Assert.False(ManagerInboundMessage.TryParse("""{"payload":{}}"""u8.ToArray(), out _, out _));
        Assert.False(ManagerInboundMessage.TryParse("[1]"u8.ToArray(), out _, out _));

        Assert.True(ManagerInboundMessage.TryParse("""{"type":"auth_error","message":"bad token","extra":1}"""u8.ToArray(), out var message, out _));
        Assert.True(ManagerInboundMessage.TryParse("""{"type":"ping","note":"\ud83d\ude00 ok"}"""u8.ToArray(), out var paired, out _));
        paired!.Dispose();
        using (message)
        {
            Assert.Equal("auth_error", message!.Type);
            Assert.Equal("bad token", message.GetTopLevelString("message"));
            Assert.Equal(JsonValueKind.Undefined, message.Payload.ValueKind);
        }
    }

    [Fact]
    public void InboundMessage_StringThatIsNotUtf8_IsRefusedWholeNotThrownLater()
    {
        // Found by the manager-inbound fuzz harness: 0x83 inside "action.type" made the command handler's
        // GetString throw InvalidOperationException.
        byte[] frame = [.. """{"type":"command","payload":{"command_id":"c-3","action":{"type":"autho"""u8, 0x83, .. """ize_tunnel"}}}"""u8];

        AssertRefusedForUnreadableString(frame);
    }

    [Fact]
    public void InboundMessage_UnpairedSurrogateEscape_IsRefusedWholeNotThrownLater() =>
        AssertRefusedForUnreadableString("""{"type":"command","payload":{"command_id":"\ud800","action":{"type":"list_tunnels"}}}"""u8.ToArray());

    private static void AssertRefusedForUnreadableString(byte[] frame)
    {
        Assert.False(ManagerInboundMessage.TryParse(frame, out var message, out var error));
        Assert.Null(message);
        Assert.Equal("a string is not valid UTF-8 or holds an unpaired surrogate escape", error);
    }
}
