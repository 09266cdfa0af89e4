using System.Collections.Concurrent;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

/// <summary>Collects emitted events in order, with the category's wire name.</summary>
internal sealed class RecordingEventSink : IRelayEventSink
{
    public ConcurrentQueue<(EventSeverity Severity, string Category, string Message)> Events { get; } = new();

    public void Emit(EventSeverity severity, EventCategory category, string message, string? flowId = null) =>
        Events.Enqueue((severity, RelayEvent.ToWireName(category), message));
}
