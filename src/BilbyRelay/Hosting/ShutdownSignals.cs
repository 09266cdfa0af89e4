using System.Runtime.InteropServices;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>
/// Turns the first SIGTERM or SIGINT into a cancelled <see cref="Token"/> (graceful shutdown,
/// exit 0). A second signal is not intercepted, so the runtime terminates the process at once:
/// an operator can always force a stuck shutdown.
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Logger _log;
    private int _received;

    public ShutdownSignals(Logger log)
    {
        _log = log;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
        ];
    }

    public CancellationToken Token => _shutdown.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _shutdown.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _received, 1) != 0)
        {
            return;
        }

        context.Cancel = true;
        HostingLog.SignalReceived(_log, context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT");
        _shutdown.Cancel();
    }
}
