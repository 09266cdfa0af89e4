using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Relay;
using BilbyRelay.Hosting;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>
/// The QUIC side of the relay: binds every configured listen address, hands each accepted edge
/// connection to the relay core, and on shutdown stops accepting and closes every connection.
/// A QUIC loop that dies fails the relay (<see cref="RelayLifetime.Fail"/>): edges on that address
/// could no longer connect, and a restart is the only repair.
/// </summary>
internal sealed class EdgeListenerComponent(RelayServer relay, QuicServerOptions options, Logger log, RelayLifetime lifetime) : IRelayComponent
{
    private readonly CancellationTokenSource _stopping = new();
    private QuicListener? _listener;
    private Task? _acceptLoop;

    public string Name => "quic";

    /// <summary>The bound addresses (actual ports when 0 was configured); empty before start.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> LocalEndPoints => _listener?.LocalEndPoints ?? [];

    public string? CertificateSha256Fingerprint => _listener?.CertificateSha256Fingerprint;

    /// <summary>The engine's listener once started; tests look at its loops.</summary>
    internal QuicListener? Listener => _listener;

    /// <summary>Each QUIC loop's counters, in listen-address order; empty before start.</summary>
    public IReadOnlyList<QuicLoopCounters> LoopCounters => _listener?.GetLoopCounters() ?? [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = QuicListener.Start(options);
        EdgesLog.Listening(log, _listener.LocalEndPoints, options.Alpn, options.CertificatePem is null, _listener.CertificateSha256Fingerprint);
        _listener.LoopFaulted.ContinueWith(OnLoopFaulted, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        _acceptLoop = relay.AcceptLoopAsync(new QuicEdgeListener(_listener), _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_listener is not null)
        {
            // Disposing the listener closes every connection it accepted, which ends each session.
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Makes the first loop of the first listen address die of <paramref name="fault"/>, as a defect in it would.</summary>
    internal void InjectLoopFault(Exception fault) => _listener?.InjectLoopFault(0, fault);

    private void OnLoopFaulted(Task<QuicLoopFault> faulted)
    {
        var fault = faulted.Result;
        EdgesLog.LoopFailed(log, fault);
        lifetime.Fail(Name, fault.Description);
    }
}
