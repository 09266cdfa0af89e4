namespace BilbyRelay.Hosting;

/// <summary>
/// A part of the relay with a lifetime (a QUIC listener, the stats server, the manager link).
/// <see cref="RelayHost"/> starts components in list order and stops them in reverse order, so a
/// component may rely on everything before it in the list running for its whole lifetime.
/// </summary>
public interface IRelayComponent
{
    /// <summary>Short name for log lines ("quic", "stats", "manager").</summary>
    string Name { get; }

    /// <summary>
    /// Binds sockets and starts background work, then returns; it must not block until shutdown.
    /// Throwing aborts start-up: components already started are stopped and the process exits 1.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops accepting work, closes what it owns with a reason, and returns. The token is cancelled
    /// when the shutdown grace period runs out; the component must then give up promptly.
    /// </summary>
    Task StopAsync(CancellationToken cancellationToken);
}
