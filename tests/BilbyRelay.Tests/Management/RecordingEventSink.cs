using System.Collections.Concurrent;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

/// <summary>Collects emitted events in order.</summary>
internal sealed class RecordingEventSink : IRelayEventSink
{
    public ConcurrentQueue<(ManagerEventSeverity Severity, string Category, string Message)> Events { get; } = new();

    public void Emit(ManagerEventSeverity severity, string category, string message, string? flowId = null) =>
        Events.Enqueue((severity, category, message));
}
