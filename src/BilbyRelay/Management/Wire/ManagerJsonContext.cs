using System.Text.Json.Serialization;

namespace BilbyRelay.Management;

/// <summary>
/// Source-generated JSON metadata for everything the manager link sends. snake_case names;
/// nulls are written (the manager expects every documented field) unless a member opts out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuthPayload))]
[JsonSerializable(typeof(EventPayload))]
[JsonSerializable(typeof(CommandAckPayload))]
[JsonSerializable(typeof(EmptyPayload))]
[JsonSerializable(typeof(ManagerStatsPayload))]
[JsonSerializable(typeof(ManagerHealthPayload))]
[JsonSerializable(typeof(IReadOnlyList<ManagerTunnelInfo>))]
[JsonSerializable(typeof(IReadOnlyList<ManagerEdgeInfo>))]
[JsonSerializable(typeof(CommandDataRotated))]
internal sealed partial class ManagerJsonContext : JsonSerializerContext
{
}
