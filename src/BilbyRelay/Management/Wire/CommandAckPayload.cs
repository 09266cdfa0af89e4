using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace BilbyRelay.Management;

/// <summary>Payload of <c>command_ack</c>: <c>error</c> only on failure, <c>data</c> only when the action returns some.</summary>
internal sealed class CommandAckPayload
{
    public required string CommandId { get; init; }

    public bool Success { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Data { get; init; }
}
