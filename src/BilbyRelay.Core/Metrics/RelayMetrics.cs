using BilbyRelay.Core.Events;

namespace BilbyRelay.Core.Metrics;

/// <summary>
/// Relay-wide counters, updated in place by the data and control paths and read live by the stats
/// endpoint and the manager link (there is no copy that could drift). All members are thread-safe.
/// Totals are monotonic for the life of the process: removing a tunnel does not lower them.
/// </summary>
public sealed class RelayMetrics
{
    private readonly long[] _datagramDrops = new long[Enum.GetValues<DatagramDropReason>().Length];
    private readonly long[] _streamRefusals = new long[Enum.GetValues<StreamRefusalReason>().Length];
    private long _connectionsTotal;
    private long _connectionsRejected;
    private long _peakTunnels;
    private long _peakEdges;
    private long _tcpStreamsTotal;
    private long _tcpStreamsActive;
    private long _bindsRejected;
    private EventQueue? _events;

    /// <summary>Payload bytes received from ingress slots (streams and datagrams).</summary>
    public StripedCounter BytesIngress { get; } = new();

    /// <summary>Payload bytes received from egress slots.</summary>
    public StripedCounter BytesEgress { get; } = new();

    /// <summary>Datagrams forwarded.</summary>
    public StripedCounter UdpDatagrams { get; } = new();

    /// <summary>Edge connections admitted (past the per-IP cap) since start.</summary>
    public long ConnectionsTotal => Volatile.Read(ref _connectionsTotal);

    /// <summary>Edge connections closed at once by the per-IP cap.</summary>
    public long ConnectionsRejected => Volatile.Read(ref _connectionsRejected);

    /// <summary>Highest number of simultaneously active (both slots bound) tunnels.</summary>
    public long PeakTunnels => Volatile.Read(ref _peakTunnels);

    /// <summary>Highest number of simultaneously connected edges.</summary>
    public long PeakEdges => Volatile.Read(ref _peakEdges);

    public long TcpStreamsTotal => Volatile.Read(ref _tcpStreamsTotal);

    public long TcpStreamsActive => Volatile.Read(ref _tcpStreamsActive);

    /// <summary>Binds answered with tunnel_down (cap or authentication).</summary>
    public long BindsRejected => Volatile.Read(ref _bindsRejected);

    /// <summary>Events waiting for the manager link.</summary>
    public long EventQueueDepth => _events?.Count ?? 0;

    /// <summary>Events dropped (oldest first) because the queue was full.</summary>
    public long EventsDropped => _events?.DroppedCount ?? 0;

    public long GetDatagramDrops(DatagramDropReason reason) => Volatile.Read(ref _datagramDrops[(int)reason]);

    public long GetStreamRefusals(StreamRefusalReason reason) => Volatile.Read(ref _streamRefusals[(int)reason]);

    internal void AttachEventQueue(EventQueue events) => _events = events;

    internal void DatagramDropped(DatagramDropReason reason) => Interlocked.Increment(ref _datagramDrops[(int)reason]);

    internal void StreamRefused(StreamRefusalReason reason) => Interlocked.Increment(ref _streamRefusals[(int)reason]);

    internal void ConnectionAdmitted(long connectedEdges)
    {
        Interlocked.Increment(ref _connectionsTotal);
        RaisePeak(ref _peakEdges, connectedEdges);
    }

    internal void ConnectionRejected() => Interlocked.Increment(ref _connectionsRejected);

    internal void ActiveTunnelsChanged(long activeTunnels) => RaisePeak(ref _peakTunnels, activeTunnels);

    internal void BindRejected() => Interlocked.Increment(ref _bindsRejected);

    internal void TcpStreamStarted()
    {
        Interlocked.Increment(ref _tcpStreamsTotal);
        Interlocked.Increment(ref _tcpStreamsActive);
    }

    internal void TcpStreamEnded() => Interlocked.Decrement(ref _tcpStreamsActive);

    private static void RaisePeak(ref long peak, long value)
    {
        long current = Volatile.Read(ref peak);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref peak, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
