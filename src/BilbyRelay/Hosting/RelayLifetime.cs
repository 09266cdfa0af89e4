using BilbyRelay.Cli;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>
/// Lets a running component end the process when it can no longer do its job (e.g. its loop
/// thread died): <see cref="Fail"/> starts the same graceful shutdown a signal would, and the
/// process then exits with <see cref="ExitCodes.RuntimeFailure"/>. Thread-safe.
/// </summary>
public sealed class RelayLifetime : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Logger _log;
    private int _failed;

    public RelayLifetime(Logger log)
    {
        _log = log;
    }

    /// <summary>Cancelled when a component has called <see cref="Fail"/>.</summary>
    public CancellationToken StopRequested => _stop.Token;

    public bool HasFailed => Volatile.Read(ref _failed) != 0;

    public void Fail(string component, Exception? exception)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0)
        {
            return;
        }

        HostingLog.ComponentFailed(_log, component, exception);
        _stop.Cancel();
    }

    public void Dispose() => _stop.Dispose();
}
