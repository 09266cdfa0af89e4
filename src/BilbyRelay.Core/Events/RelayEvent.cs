namespace BilbyRelay.Core.Events;

/// <summary>
/// One operator-facing event, delivered to the manager as
/// <c>{"type":"event","timestamp":…,"payload":{severity,category,message,flow_id?,details?}}</c>.
/// </summary>
/// <param name="FlowId">The tunnel UUID for tunnel events, else null.</param>
/// <param name="Details">Extra context (for example the edge's address); optional.</param>
public sealed record RelayEvent(
    EventSeverity Severity,
    EventCategory Category,
    string Message,
    string? FlowId,
    string? Details,
    DateTimeOffset Timestamp)
{
    /// <summary>True when <see cref="Details"/> is the text of a JSON object, delivered as that object rather than a string.</summary>
    public bool DetailsIsJson { get; init; }

    public static string ToWireName(EventSeverity severity) => severity switch
    {
        EventSeverity.Info => "info",
        EventSeverity.Warning => "warning",
        _ => "critical",
    };

    public static string ToWireName(EventCategory category) => category switch
    {
        EventCategory.Edge => "edge",
        EventCategory.Tunnel => "tunnel",
        _ => "manager",
    };
}
