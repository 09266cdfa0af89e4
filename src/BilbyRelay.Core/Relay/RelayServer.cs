using System.Collections.Concurrent;
using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Splicing;
using BilbyRelay.Core.Transport;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

/// <summary>
/// The relay: admits edge connections, runs their sessions, pairs tunnel slots, and answers the
/// stats endpoint and the manager link. Every public member is thread-safe.
/// </summary>
/// <remarks>
/// Locking: <see cref="_bindLock"/> serialises every change of a slot (bind, unbind, disconnect,
/// close) together with the sessions' slot sets and <see cref="_activeTunnels"/>; nothing awaits
/// while holding it, and the only work done under it besides bookkeeping is queueing notifications.
/// The data paths (datagrams, new data streams) never take it: they read the lock-free tunnel table
/// and the tunnels' volatile slots. <see cref="_connectionsLock"/> guards the per-IP counts only.
/// </remarks>
public sealed partial class RelayServer
{
    private readonly Lock _bindLock = new();
    private readonly Lock _connectionsLock = new();
    private readonly Dictionary<IPAddress, int> _connectionsPerIp = [];
    private readonly ConcurrentDictionary<EdgeSession, byte> _sessions = new();
    private readonly BandwidthSampler _bandwidth;
    private readonly long _startTimestamp;
    private long _connectionSequence = -1;

    // Written under _bindLock, read lock-free.
    private int _activeTunnels;

    public RelayServer(RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Logger = new Logger(options.LogSink, "BilbyRelay.Core.Relay", options.Time);
        Events = new EventQueue(options.EventQueueCapacity, options.Time, Logger.ForCategory("BilbyRelay.Core.Events"));
        Metrics.AttachEventQueue(Events);
        BindTokens = new BindTokenStore(options.RequireBindAuth, options.Sha256);
        Splicer = new StreamSplicer(Tunnels, Metrics, Logger.ForCategory("BilbyRelay.Core.Splicing"));
        _startTimestamp = options.Time.GetTimestamp();
        _bandwidth = new BandwidthSampler(options.Time, 0);
    }

    public RelayOptions Options { get; }

    /// <summary>Relay-wide counters, read live.</summary>
    public RelayMetrics Metrics { get; } = new();

    /// <summary>Operator events waiting for the manager link.</summary>
    public EventQueue Events { get; }

    /// <summary>Bind tokens pre-authorized by the manager.</summary>
    public BindTokenStore BindTokens { get; }

    /// <summary>All tunnels (lock-free lookups).</summary>
    public TunnelTable Tunnels { get; } = new();

    /// <summary>Edges currently connected.</summary>
    public int ConnectedEdges => _sessions.Count;

    /// <summary>The sessions of the edges connected now.</summary>
    internal IEnumerable<EdgeSession> Sessions => _sessions.Keys;

    /// <summary>Tunnels with both slots bound.</summary>
    public int ActiveTunnels => Volatile.Read(ref _activeTunnels);

    public TimeSpan Uptime => Options.Time.GetElapsedTime(_startTimestamp);

    internal Logger Logger { get; }

    internal StreamSplicer Splicer { get; }

    /// <summary>
    /// Accepts connections until <paramref name="ct"/> is cancelled or the listener throws, running
    /// each in the background; then waits for every running connection to finish.
    /// </summary>
    public async Task AcceptLoopAsync(IEdgeListener listener, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var running = new ConcurrentDictionary<Task, byte>();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var connection = await listener.AcceptConnectionAsync(ct).ConfigureAwait(false);
                var task = RunConnectionAsync(connection, ct);
                running[task] = 0;
                _ = task.ContinueWith(
                    static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _),
                    running,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.ListenerStopped(Logger, ex);
        }

        await Task.WhenAll(running.Keys).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one edge connection to its end: the per-IP cap, the session, and the cleanup of every
    /// slot it held. Returns when the connection is gone and all its streams are finished; never throws
    /// for anything the edge does. Cancelling <paramref name="ct"/> closes the connection.
    /// </summary>
    public async Task RunConnectionAsync(IEdgeConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var ip = EdgeAddress.Normalize(connection.RemoteEndPoint.Address);
        if (!TryAdmit(ip, out int active))
        {
            Metrics.ConnectionRejected();
            Events.Raise(EventSeverity.Warning, EventCategory.Edge, EventMessages.PerIpCapExceeded(active, ip));
            connection.Close(RelayErrorCodes.ConnectionLimitExceeded, "per-IP connection cap exceeded");
            return;
        }

        var session = new EdgeSession(this, connection, Interlocked.Increment(ref _connectionSequence));
        _sessions[session] = 0;
        Metrics.ConnectionAdmitted(_sessions.Count);
        Events.Raise(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeConnected(session.RemoteAddress));
        RelayLog.SessionStarted(Logger, session.ConnectionId);
        try
        {
            await session.RunAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RelayLog.SessionFault(Logger, session.ConnectionId, ex);
            session.Stop(RelayErrorCodes.NoError, "internal error");
        }
        finally
        {
            ReleaseAllSlots(session);
            _sessions.TryRemove(session, out _);
            Release(ip);
            Events.Raise(EventSeverity.Info, EventCategory.Edge, EventMessages.EdgeDisconnected(session.RemoteAddress));
            RelayLog.SessionEnded(Logger, session.ConnectionId);
        }
    }

    /// <summary>Called by a session whose control stream broke the framing rules.</summary>
    internal void ControlStreamFailed(EdgeSession session) =>
        Events.Raise(EventSeverity.Warning, EventCategory.Edge, EventMessages.ControlStreamError(session.RemoteAddress));

    /// <summary>Answers <c>hello</c>; a different protocol version only raises an event.</summary>
    internal RelayMessage Hello(EdgeSession session, HelloMessage hello)
    {
        RelayLog.EdgeHello(Logger, session.ConnectionId, hello.ProtocolVersion, hello.SoftwareVersion);
        if (hello.ProtocolVersion != RelayProtocol.ProtocolVersion)
        {
            Events.Raise(
                EventSeverity.Warning,
                EventCategory.Edge,
                EventMessages.ProtocolVersionMismatch(hello.ProtocolVersion, RelayProtocol.ProtocolVersion),
                details: session.RemoteAddress);
        }

        return RelayMessage.HelloAck(RelayProtocol.ProtocolVersion, Options.SoftwareVersion);
    }

    private bool TryAdmit(IPAddress ip, out int active)
    {
        lock (_connectionsLock)
        {
            _connectionsPerIp.TryGetValue(ip, out active);
            if (active >= Options.MaxConnectionsPerIp)
            {
                return false;
            }

            _connectionsPerIp[ip] = active + 1;
            return true;
        }
    }

    private void Release(IPAddress ip)
    {
        lock (_connectionsLock)
        {
            if (_connectionsPerIp.TryGetValue(ip, out int count))
            {
                if (count <= 1)
                {
                    _connectionsPerIp.Remove(ip);
                }
                else
                {
                    _connectionsPerIp[ip] = count - 1;
                }
            }
        }
    }
}
