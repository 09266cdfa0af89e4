using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;
using BilbyRelay.Quic;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Composition;

/// <summary>
/// Gives memory back to the OS: at start, the pages of the executable's compressed runtime data, which nothing
/// reads again; while the relay runs, through the <see cref="IdleMemoryReleaser"/>, what a burst of traffic took.
/// </summary>
internal sealed class MemoryReleaseComponent(TimeProvider time, Logger log) : IRelayComponent
{
    private IdleMemoryReleaser? _releaser;

    public string Name => "memory";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (DehydratedImageData.Release() is { } released)
        {
            HostingLog.StartupDataReleased(log, released.Start, released.Length);
        }

        _releaser = new IdleMemoryReleaser(time);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _releaser?.Dispose();
        return Task.CompletedTask;
    }
}
