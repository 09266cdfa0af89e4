namespace BilbyRelay.Management;

/// <summary>
/// Where the manager link reports its own events (connected, lost, auth failed, secret rotated…).
/// The relay's bounded event queue implements it. <see cref="Emit"/> must never block.
/// </summary>
internal interface IRelayEventSink
{
    void Emit(ManagerEventSeverity severity, string category, string message, string? flowId = null);
}
