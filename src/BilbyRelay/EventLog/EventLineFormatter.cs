using System.Buffers;
using System.Globalization;
using System.Text.Json;
using BilbyRelay.Config;
using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>
/// Writes one event as one JSON object (no line break): <c>{ts, level, host, software_version, source, relay_id,
/// flow_id, category, error_code, message, details}</c>, wrapped or renamed as the configured format needs.
/// Utf8JsonWriter straight into the caller's buffer: no reflection, one reused buffer per target.
/// </summary>
internal sealed class EventLineFormatter(EventLogFormat format, EventLogIdentity identity)
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = false };

    public EventLogFormat Format => format;

    public void Write(RelayEvent relayEvent, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        if (format == EventLogFormat.Splunk)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("event"u8);
        }

        var details = ParseDetails(relayEvent.Details);
        writer.WriteStartObject();
        writer.WriteString("ts"u8, FormatTimestamp(relayEvent.Timestamp));
        writer.WriteString("level"u8, RelayEvent.ToWireName(relayEvent.Severity));
        writer.WriteString("host"u8, identity.Host);
        writer.WriteString("software_version"u8, identity.SoftwareVersion);
        writer.WriteString("source"u8, "relay"u8);
        writer.WriteString("relay_id"u8, identity.RelayId);
        WriteNullableString(writer, "flow_id"u8, relayEvent.FlowId);
        writer.WriteString("category"u8, RelayEvent.ToWireName(relayEvent.Category));
        WriteNullableString(writer, format == EventLogFormat.DataMiner ? "parameter_id"u8 : "error_code"u8, ErrorCode(relayEvent, details));
        writer.WriteString("message"u8, relayEvent.Message);
        writer.WritePropertyName("details"u8);
        if (details is not null)
        {
            details.RootElement.WriteTo(writer);
            details.Dispose();
        }
        else if (relayEvent.Details is not null)
        {
            writer.WriteStringValue(relayEvent.Details);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndObject();
        if (format == EventLogFormat.Splunk)
        {
            writer.WriteEndObject();
        }
    }

    /// <summary>RFC 3339 in UTC with milliseconds, the form Splunk and DataMiner parse without configuration.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Details that are a JSON object are kept as an object, so collectors index their fields; anything else stays text.</summary>
    private static JsonDocument? ParseDetails(string? details)
    {
        if (details is null || !details.StartsWith('{'))
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(details);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>An <c>error_code</c> the event's own details carry wins over the code of its message.</summary>
    private static string? ErrorCode(RelayEvent relayEvent, JsonDocument? details)
    {
        if (details is not null
            && details.RootElement.TryGetProperty("error_code"u8, out var code)
            && code.ValueKind == JsonValueKind.String)
        {
            return code.GetString();
        }

        return EventCodes.For(relayEvent.Message);
    }

    private static void WriteNullableString(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
