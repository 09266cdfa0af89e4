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
    private ManagerEvent? _inFlight;

    public bool TryPeek(out ManagerEvent managerEvent)
    {
        if (_inFlight is null && queue.TryDequeue(out var next))
        {
            _inFlight = ToManagerEvent(next);
        }

        managerEvent = _inFlight.GetValueOrDefault();
        return _inFlight is not null;
    }

    public void RemoveDelivered(in ManagerEvent delivered)
    {
        if (_inFlight == delivered)
        {
            _inFlight = null;
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken) =>
        _inFlight is not null ? ValueTask.CompletedTask : WaitForQueueAsync(cancellationToken);

    public void Emit(ManagerEventSeverity severity, string category, string message, string? flowId = null) =>
        queue.Raise(ToSeverity(severity), ToCategory(category), message, flowId);

    private async ValueTask WaitForQueueAsync(CancellationToken cancellationToken) =>
        await queue.WaitAsync(cancellationToken).ConfigureAwait(false);

    private static ManagerEvent ToManagerEvent(RelayEvent e) => new(
        e.Severity switch
        {
            EventSeverity.Warning => ManagerEventSeverity.Warning,
            EventSeverity.Critical => ManagerEventSeverity.Critical,
            _ => ManagerEventSeverity.Info,
        },
        RelayEvent.ToWireName(e.Category),
        e.Message,
        e.FlowId,
        e.Details,
        e.Timestamp);

    private static EventSeverity ToSeverity(ManagerEventSeverity severity) => severity switch
    {
        ManagerEventSeverity.Warning => EventSeverity.Warning,
        ManagerEventSeverity.Critical => EventSeverity.Critical,
        _ => EventSeverity.Info,
    };

    private static EventCategory ToCategory(string category) => category switch
    {
        "edge" => EventCategory.Edge,
        "tunnel" => EventCategory.Tunnel,
        _ => EventCategory.Manager,
    };
}
