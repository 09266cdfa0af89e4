using System.Diagnostics.CodeAnalysis;
using BilbyRelay.Core.Events;

namespace BilbyRelay.Management;

/// <summary>
/// The relay's bounded, ordered event queue as the manager link drains it. An event counts as
/// delivered only once the manager socket accepted it: the link peeks, sends, then removes. A send
/// that fails leaves the event at the head, so it goes first on the next connection.
/// Single consumer: only the active manager session drains the queue.
/// </summary>
internal interface IRelayEventSource
{
    /// <summary>The oldest undelivered event, without removing it.</summary>
    bool TryPeek([NotNullWhen(true)] out RelayEvent? relayEvent);

    /// <summary>
    /// Removes <paramref name="delivered"/> if it is still the head. It may be gone already: an
    /// overflow drops the oldest events while a send is in progress.
    /// </summary>
    void RemoveDelivered(RelayEvent delivered);

    /// <summary>Completes when at least one event is queued (at once if one already is).</summary>
    ValueTask WaitAsync(CancellationToken cancellationToken);
}
