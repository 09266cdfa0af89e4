using System.Text.Json.Serialization;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Management;

/// <summary>
/// Source-generated JSON metadata for everything the manager link sends. snake_case names;
/// nulls are written (the manager expects every documented field) unless a member opts out.
/// Tunnels, edges and relay totals are the relay core's report records, as in the REST API.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuthPayload))]
[JsonSerializable(typeof(EventPayload))]
[JsonSerializable(typeof(CommandAckPayload))]
[JsonSerializable(typeof(EmptyPayload))]
[JsonSerializable(typeof(ManagerStatsPayload))]
[JsonSerializable(typeof(ManagerHealthPayload))]
[JsonSerializable(typeof(RelayStatsSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<TunnelInfo>))]
[JsonSerializable(typeof(IReadOnlyList<EdgeInfo>))]
[JsonSerializable(typeof(IReadOnlyList<NativeUdpSessionInfo>))]
[JsonSerializable(typeof(CommandDataRotated))]
internal sealed partial class ManagerJsonContext : JsonSerializerContext
{
}
