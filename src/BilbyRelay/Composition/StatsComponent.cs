using BilbyRelay.Hosting;
using BilbyRelay.Stats;

namespace BilbyRelay.Composition;

/// <summary>The stats endpoint's lifetime inside the relay host.</summary>
internal sealed class StatsComponent(StatsServer server) : IRelayComponent
{
    public string Name => "stats";

    public StatsServer Server => server;

    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
