using BilbyRelay.Hosting;
using BilbyRelay.Management;

namespace BilbyRelay.Composition;

/// <summary>The manager link's lifetime inside the relay host. It runs on its own tasks; start never waits for the manager.</summary>
internal sealed class ManagerComponent(ManagerClient client) : IRelayComponent
{
    public string Name => "manager";

    public ManagerClient Client => client;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        client.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => client.StopAsync(cancellationToken);
}
