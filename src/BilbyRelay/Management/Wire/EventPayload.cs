using System.Text.Json.Serialization;

namespace BilbyRelay.Management;

/// <summary>Payload of an <c>event</c> message; <c>flow_id</c> and <c>details</c> are omitted when absent.</summary>
internal sealed class EventPayload
{
    public required string Severity { get; init; }

    public required string Category { get; init; }

    public required string Message { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FlowId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; init; }

    public static EventPayload From(in ManagerEvent managerEvent) => new()
    {
        Severity = managerEvent.Severity switch
        {
            ManagerEventSeverity.Info => "info",
            ManagerEventSeverity.Warning => "warning",
            _ => "critical",
        },
        Category = managerEvent.Category,
        Message = managerEvent.Message,
        FlowId = managerEvent.FlowId,
        Details = managerEvent.Details,
    };
}
