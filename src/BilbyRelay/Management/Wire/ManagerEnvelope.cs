using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace BilbyRelay.Management;

/// <summary>
/// Builds the UTF-8 bytes of one outgoing frame: <c>{"type":T,"timestamp":RFC3339,"payload":{...}}</c>.
/// Every message the relay sends to the manager goes through here.
/// </summary>
internal static class ManagerEnvelope
{
    public static byte[] Create<T>(string type, DateTimeOffset timestamp, T payload, JsonTypeInfo<T> payloadType)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteHeader(writer, type, timestamp);
            JsonSerializer.Serialize(writer, payload, payloadType);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Create(string type, DateTimeOffset timestamp, JsonNode payload)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteHeader(writer, type, timestamp);
            payload.WriteTo(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteHeader(Utf8JsonWriter writer, string type, DateTimeOffset timestamp)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteString("timestamp"u8, ManagerTimestamp.Format(timestamp));
        writer.WritePropertyName("payload"u8);
    }
}
