using System.Text.Json;
using System.Text.Json.Serialization;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Protocol;

/// <summary>Strict <c>"ingress"</c>/<c>"egress"</c> (no numbers, no other casing): anything else is malformed.</summary>
public sealed class TunnelDirectionJsonConverter : JsonConverter<TunnelDirection>
{
    public override TunnelDirection Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("ingress"u8))
            {
                return TunnelDirection.Ingress;
            }

            if (reader.ValueTextEquals("egress"u8))
            {
                return TunnelDirection.Egress;
            }
        }

        throw new JsonException("direction must be \"ingress\" or \"egress\"");
    }

    public override void Write(Utf8JsonWriter writer, TunnelDirection value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value == TunnelDirection.Ingress ? "ingress"u8 : "egress"u8);
}

/// <summary>Strict <c>"tcp"</c>/<c>"udp"</c>: anything else is malformed.</summary>
public sealed class TunnelProtocolJsonConverter : JsonConverter<TunnelProtocol>
{
    public override TunnelProtocol Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("tcp"u8))
            {
                return TunnelProtocol.Tcp;
            }

            if (reader.ValueTextEquals("udp"u8))
            {
                return TunnelProtocol.Udp;
            }
        }

        throw new JsonException("protocol must be \"tcp\" or \"udp\"");
    }

    public override void Write(Utf8JsonWriter writer, TunnelProtocol value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value == TunnelProtocol.Tcp ? "tcp"u8 : "udp"u8);
}
