using BilbyRelay.Cli;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>
/// Runs the relay's components: starts them in order, reports readiness, waits for the shutdown
/// token, then stops them in reverse order within one bounded grace period. A component that does
/// not stop in time is abandoned (logged) so shutdown always finishes.
/// </summary>
public sealed class RelayHost
{
    public static readonly TimeSpan DefaultShutdownGracePeriod = TimeSpan.FromSeconds(10);

    private readonly IReadOnlyList<IRelayComponent> _components;
    private readonly Logger _log;
    private readonly TimeSpan _gracePeriod;
    private readonly TimeProvider _time;
    private readonly SystemdNotifier? _systemd;
    private readonly RelayLifetime? _lifetime;

    /// <param name="lifetime">When given, a component calling <see cref="RelayLifetime.Fail"/> shuts the relay down with exit code 1.</param>
    public RelayHost(IReadOnlyList<IRelayComponent> components, Logger log, TimeSpan? shutdownGracePeriod = null, SystemdNotifier? systemd = null, TimeProvider? time = null, RelayLifetime? lifetime = null)
    {
        _components = components;
        _lifetime = lifetime;
        _log = log;
        _gracePeriod = shutdownGracePeriod ?? DefaultShutdownGracePeriod;
        _systemd = systemd;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Runs until <paramref name="shutdownSignal"/> is cancelled (or a component fails); returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken shutdownSignal)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdownSignal, _lifetime?.StopRequested ?? CancellationToken.None);
        var shutdown = linked.Token;
        var started = new List<IRelayComponent>(_components.Count);
        foreach (var component in _components)
        {
            if (shutdown.IsCancellationRequested)
            {
                break;
            }

            HostingLog.ComponentStarting(_log, component.Name);
            try
            {
                await component.StartAsync(shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                HostingLog.ComponentStartFailed(_log, component.Name, e);
                await StopAsync(started).ConfigureAwait(false);
                HostingLog.Stopped(_log, ExitCodes.RuntimeFailure);
                return ExitCodes.RuntimeFailure;
            }

            started.Add(component);
            HostingLog.ComponentStarted(_log, component.Name);
        }

        if (!shutdown.IsCancellationRequested)
        {
            HostingLog.Ready(_log, started.Count);
            Notify("READY=1");
            await WaitForCancellationAsync(shutdown).ConfigureAwait(false);
        }

        Notify("STOPPING=1");
        await StopAsync(started).ConfigureAwait(false);
        var exitCode = _lifetime is { HasFailed: true } ? ExitCodes.RuntimeFailure : ExitCodes.Success;
        HostingLog.Stopped(_log, exitCode);
        return exitCode;
    }

    private async Task StopAsync(List<IRelayComponent> started)
    {
        HostingLog.ShuttingDown(_log, _gracePeriod);
        using var grace = new CancellationTokenSource(_gracePeriod, _time);
        for (var i = started.Count - 1; i >= 0; i--)
        {
            var component = started[i];
            try
            {
                await component.StopAsync(grace.Token).WaitAsync(grace.Token).ConfigureAwait(false);
                HostingLog.ComponentStopped(_log, component.Name);
            }
            catch (OperationCanceledException) when (grace.IsCancellationRequested)
            {
                HostingLog.ComponentStopTimedOut(_log, component.Name);
            }
            catch (Exception e)
            {
                HostingLog.ComponentStopFailed(_log, component.Name, e);
            }
        }
    }

    private static async Task WaitForCancellationAsync(CancellationToken token)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (token.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), completion).ConfigureAwait(false))
        {
            await completion.Task.ConfigureAwait(false);
        }
    }

    private void Notify(string state)
    {
        if (_systemd is null)
        {
            return;
        }

        try
        {
            _systemd.Notify(state);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ArgumentException)
        {
            HostingLog.SystemdNotifyFailed(_log, state, e);
        }
    }
}
