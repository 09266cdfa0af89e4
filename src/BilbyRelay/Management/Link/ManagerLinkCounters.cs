namespace BilbyRelay.Management;

/// <summary>
/// Counters of the manager link, for metrics and diagnostics. Written with Interlocked by the
/// link's tasks; read from any thread.
/// </summary>
internal sealed class ManagerLinkCounters
{
    private long _connectAttempts;
    private long _sessions;
    private long _statsSent;
    private long _statsSkipped;
    private long _healthSent;
    private long _eventsSent;
    private long _commandsHandled;

    public long ConnectAttempts => Interlocked.Read(ref _connectAttempts);

    /// <summary>Authenticated sessions so far.</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    public long StatsSent => Interlocked.Read(ref _statsSent);

    /// <summary>Stats reports not sent because the previous one was still waiting for the socket.</summary>
    public long StatsSkipped => Interlocked.Read(ref _statsSkipped);

    public long HealthSent => Interlocked.Read(ref _healthSent);

    public long EventsSent => Interlocked.Read(ref _eventsSent);

    public long CommandsHandled => Interlocked.Read(ref _commandsHandled);

    internal void OnConnectAttempt() => Interlocked.Increment(ref _connectAttempts);

    internal void OnSession() => Interlocked.Increment(ref _sessions);

    internal void OnStatsSent() => Interlocked.Increment(ref _statsSent);

    internal void OnStatsSkipped() => Interlocked.Increment(ref _statsSkipped);

    internal void OnHealthSent() => Interlocked.Increment(ref _healthSent);

    internal void OnEventSent() => Interlocked.Increment(ref _eventsSent);

    internal void OnCommandHandled() => Interlocked.Increment(ref _commandsHandled);
}
