namespace BilbyRelay.Core.Events;

/// <summary>
/// Receives every event as it is raised, besides the queue the manager link drains. Called on the raising
/// thread (often a QUIC loop), so an implementation must hand the event off without blocking or throwing.
/// </summary>
public interface IRelayEventListener
{
    void OnEvent(RelayEvent relayEvent);
}
