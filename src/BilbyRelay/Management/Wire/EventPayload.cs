using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BilbyRelay.Core.Events;

namespace BilbyRelay.Management;

/// <summary>Payload of an <c>event</c> message; <c>flow_id</c> and <c>details</c> are omitted when absent.</summary>
internal sealed class EventPayload
{
    public required string Severity { get; init; }

    public required string Category { get; init; }

    public required string Message { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FlowId { get; init; }

    /// <summary>A string, or an object for events whose details are structured (the native UDP plane's).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Details { get; init; }

    public static EventPayload From(RelayEvent relayEvent) => new()
    {
        Severity = RelayEvent.ToWireName(relayEvent.Severity),
        Category = RelayEvent.ToWireName(relayEvent.Category),
        Message = relayEvent.Message,
        FlowId = relayEvent.FlowId,
        Details = relayEvent.Details is not { } details ? null : relayEvent.DetailsIsJson ? JsonNode.Parse(details) : JsonValue.Create(details),
    };
}
