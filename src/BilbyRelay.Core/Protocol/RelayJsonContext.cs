using System.Text.Json.Serialization;

namespace BilbyRelay.Core.Protocol;

/// <summary>Source-generated (reflection-free, AOT-safe) JSON metadata for every wire type of the edge protocol.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(TunnelDirectionJsonConverter), typeof(TunnelProtocolJsonConverter)])]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(IdentifyMessage))]
[JsonSerializable(typeof(TunnelBindMessage))]
[JsonSerializable(typeof(TunnelUnbindMessage))]
[JsonSerializable(typeof(RelayMessage))]
[JsonSerializable(typeof(DataStreamHeader))]
internal sealed partial class RelayJsonContext : JsonSerializerContext
{
}
