using BilbyRelay.Hosting;
using BilbyRelay.Quic;

namespace BilbyRelay.Composition;

/// <summary>Runs the <see cref="IdleMemoryReleaser"/> while the relay runs, so memory taken by a burst goes back to the OS.</summary>
internal sealed class MemoryReleaseComponent(TimeProvider time) : IRelayComponent
{
    private IdleMemoryReleaser? _releaser;

    public string Name => "memory";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _releaser = new IdleMemoryReleaser(time);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _releaser?.Dispose();
        return Task.CompletedTask;
    }
}
