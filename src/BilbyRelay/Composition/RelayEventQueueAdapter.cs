using System.Diagnostics.CodeAnalysis;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.Composition;

/// <summary>
/// The relay's bounded event queue as the manager link sees it: a source it drains in order and a
/// sink for its own events. The event being sent is taken out of the queue and held here until the
/// manager socket accepted it, so an overflow can never drop it mid-send and a failed send leaves
/// it first in line for the next connection.
/// </summary>
/// <remarks>Single consumer: only the active manager session calls the source members.</remarks>
internal sealed class RelayEventQueueAdapter(EventQueue queue) : IRelayEventSource, IRelayEventSink
{
    private RelayEvent? _inFlight;

    public bool TryPeek([NotNullWhen(true)] out RelayEvent? relayEvent)
    {
        if (_inFlight is null && queue.TryDequeue(out var next))
        {
            _inFlight = next;
        }

        relayEvent = _inFlight;
        return relayEvent is not null;
    }

    public void RemoveDelivered(RelayEvent delivered)
    {
        if (ReferenceEquals(_inFlight, delivered))
        {
            _inFlight = null;
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken) =>
        _inFlight is not null ? ValueTask.CompletedTask : WaitForQueueAsync(cancellationToken);

    public void Emit(EventSeverity severity, EventCategory category, string message, string? flowId = null) =>
        queue.Raise(severity, category, message, flowId);

    private async ValueTask WaitForQueueAsync(CancellationToken cancellationToken) =>
        await queue.WaitAsync(cancellationToken).ConfigureAwait(false);
}
