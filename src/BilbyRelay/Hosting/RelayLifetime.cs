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
    private RelayFailure? _failure;

    public RelayLifetime(Logger log)
    {
        _log = log;
    }

    /// <summary>Cancelled when a component has called <see cref="Fail"/>.</summary>
    public CancellationToken StopRequested => _stop.Token;

    public bool HasFailed => Failure is not null;

    /// <summary>The first failure reported; null while every component runs.</summary>
    public RelayFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Records the failure (the first one wins) before shutdown starts, so readers of <see cref="Failure"/> see it at once.</summary>
    public void Fail(string component, string reason, Exception? exception = null)
    {
        if (Interlocked.CompareExchange(ref _failure, new RelayFailure(component, reason), null) is not null)
        {
            return;
        }

        HostingLog.ComponentFailed(_log, component, reason, exception);
        _stop.Cancel();
    }

    public void Dispose() => _stop.Dispose();
}
