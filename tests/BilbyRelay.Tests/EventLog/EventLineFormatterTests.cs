using System.Buffers;
using System.Text;
using System.Text.Json;
using BilbyRelay.Config;
using BilbyRelay.Core.Events;
using BilbyRelay.EventLog;
using Xunit;

namespace BilbyRelay.Tests.EventLog;

/// <summary>The three line shapes of the structured event log.</summary>
public sealed class EventLineFormatterTests
{
    private static readonly EventLogIdentity Identity = new("relay-host", "9.8.7", "node-42");
    private static readonly DateTimeOffset At = new(2026, 1, 31, 12, 0, 0, 123, TimeSpan.FromHours(2));
    private const string FlowId = "6f1c2a4e-9b7d-4c1e-8a2f-0123456789ab";

    private static readonly RelayEvent BindRejected =
        new(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.TunnelBindInvalidToken, FlowId, "edge-12", At);

    [Fact]
    public void Raw_IsOneObjectWithEveryFieldInOrder()
    {
        var line = Format(EventLogFormat.Raw, BindRejected);

        Assert.Equal(
            "{\"ts\":\"2026-01-31T10:00:00.123Z\",\"level\":\"warning\",\"host\":\"relay-host\",\"software_version\":\"9.8.7\","
            + "\"source\":\"relay\",\"relay_id\":\"node-42\",\"flow_id\":\"" + FlowId + "\",\"category\":\"tunnel\","
            + "\"error_code\":\"relay_bind_invalid_token\",\"message\":\"Tunnel bind rejected: invalid token\",\"details\":\"edge-12\"}",
            line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Splunk_WrapsTheSameObjectAsEvent()
    {
        using var splunk = JsonDocument.Parse(Format(EventLogFormat.Splunk, BindRejected));
        using var raw = JsonDocument.Parse(Format(EventLogFormat.Raw, BindRejected));

        var root = splunk.RootElement;
        Assert.Equal(["event"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(raw.RootElement.GetRawText(), root.GetProperty("event").GetRawText());
    }

    [Fact]
    public void DataMiner_NamesTheErrorCodeParameterId()
    {
        using var document = JsonDocument.Parse(Format(EventLogFormat.DataMiner, BindRejected));

        var root = document.RootElement;
        Assert.Equal("relay_bind_invalid_token", root.GetProperty("parameter_id").GetString());
        Assert.False(root.TryGetProperty("error_code", out _));
        Assert.Equal(
            ["ts", "level", "host", "software_version", "source", "relay_id", "flow_id", "category", "parameter_id", "message", "details"],
            root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void EventWithoutFlowOrDetails_HasNulls_AndFormattedMessagesGetTheirCode()
    {
        var connected = new RelayEvent(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeConnected("10.0.0.1:5000"), null, null, At);

        using var document = JsonDocument.Parse(Format(EventLogFormat.Raw, connected));

        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("flow_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("details").ValueKind);
        Assert.Equal("relay_edge_connected", root.GetProperty("error_code").GetString());
        Assert.Equal("info", root.GetProperty("level").GetString());
        Assert.Equal("edge", root.GetProperty("category").GetString());
    }

    [Fact]
    public void DetailsThatAreAJsonObject_StayAnObject_AndTheirErrorCodeWins()
    {
        var withObject = new RelayEvent(
            EventSeverity.Warning, EventCategory.Tunnel, "Something refused", FlowId,
            "{\"error_code\":\"relay_dos_suspect\",\"remote_ip\":\"192.0.2.7\"}", At);

        using var document = JsonDocument.Parse(Format(EventLogFormat.Raw, withObject));

        var root = document.RootElement;
        Assert.Equal("relay_dos_suspect", root.GetProperty("error_code").GetString());
        Assert.Equal("192.0.2.7", root.GetProperty("details").GetProperty("remote_ip").GetString());
    }

    [Fact]
    public void TextThatLooksLikeJson_StaysText_AndControlCharactersAreEscaped()
    {
        var odd = new RelayEvent(EventSeverity.Critical, EventCategory.Manager, EventMessages.ManagerAuthenticationFailed("bad\n\"secret\""), null, "{not json", At);

        var line = Format(EventLogFormat.Raw, odd);

        Assert.DoesNotContain('\n', line);
        using var document = JsonDocument.Parse(line);
        Assert.Equal("{not json", document.RootElement.GetProperty("details").GetString());
        Assert.Equal("Manager authentication failed: bad\n\"secret\"", document.RootElement.GetProperty("message").GetString());
        Assert.Equal("relay_manager_auth_failed", document.RootElement.GetProperty("error_code").GetString());
        Assert.Equal("critical", document.RootElement.GetProperty("level").GetString());
    }

    private static string Format(EventLogFormat format, RelayEvent relayEvent)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new EventLineFormatter(format, Identity).Write(relayEvent, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
