using BilbyRelay.Core.Events;

namespace BilbyRelay.Management;

/// <summary>
/// Where the manager link reports its own events (connected, lost, auth failed, secret rotated…),
/// with the texts of <see cref="EventMessages"/>. The relay's bounded event queue implements it.
/// <see cref="Emit"/> must never block.
/// </summary>
internal interface IRelayEventSink
{
    void Emit(EventSeverity severity, EventCategory category, string message, string? flowId = null);
}
