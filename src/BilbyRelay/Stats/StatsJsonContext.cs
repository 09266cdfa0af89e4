using System.Text.Json.Serialization;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Stats;

/// <summary>Source-generated serialisers for every stats body; field names are snake_case as the bilbycast tools expect.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(TunnelListResponse))]
[JsonSerializable(typeof(EdgeListResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TunnelDeletedResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(UdpSessionListResponse))]
[JsonSerializable(typeof(UdpSessionDeletedResponse))]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
