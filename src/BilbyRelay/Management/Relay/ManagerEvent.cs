namespace BilbyRelay.Management;

/// <summary>
/// One operator event waiting to be sent as
/// <c>{"type":"event","timestamp":…,"payload":{severity,category,message,flow_id?,details?}}</c>.
/// </summary>
/// <param name="Category"><c>edge</c>, <c>tunnel</c> or <c>manager</c>.</param>
/// <param name="FlowId">The tunnel UUID for tunnel events, else null.</param>
/// <param name="Details">Optional free-form context.</param>
/// <param name="Timestamp">When the event happened; becomes the envelope's timestamp.</param>
internal readonly record struct ManagerEvent(
    ManagerEventSeverity Severity,
    string Category,
    string Message,
    string? FlowId,
    string? Details,
    DateTimeOffset Timestamp);
