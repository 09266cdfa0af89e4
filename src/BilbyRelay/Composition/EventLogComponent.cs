using BilbyRelay.EventLog;
using BilbyRelay.Hosting;

namespace BilbyRelay.Composition;

/// <summary>
/// The structured event log's writer task. First in the start order so it stops last: events raised while the
/// other components shut down (edges disconnecting) are still written.
/// </summary>
internal sealed class EventLogComponent(EventLogTarget target) : IRelayComponent
{
    public string Name => "event-log";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        target.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => target.StopAsync(cancellationToken);
}
