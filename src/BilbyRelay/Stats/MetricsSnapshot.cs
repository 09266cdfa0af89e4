namespace BilbyRelay.Stats;

/// <summary>Values for every <c>/metrics</c> family; the server adds <c>bilbycast_relay_info</c> from its version.</summary>
internal sealed class MetricsSnapshot
{
    public long UptimeSeconds { get; init; }

    public long EdgesConnected { get; init; }

    public long TunnelsTotal { get; init; }

    public long TunnelsActive { get; init; }

    public long BytesForwardedTotal { get; init; }

    public long BytesIngressTotal { get; init; }

    public long BytesEgressTotal { get; init; }

    public long TcpStreamsTotal { get; init; }

    public long TcpStreamsActive { get; init; }

    public long UdpDatagramsTotal { get; init; }

    public long ConnectionsTotal { get; init; }

    public long PeakTunnels { get; init; }

    public long PeakEdges { get; init; }

    /// <summary>Edge connections closed at once by the per-IP cap.</summary>
    public long ConnectionsRejectedTotal { get; init; }

    /// <summary>Datagrams dropped, one entry per reason label. List every reason, zeros included, so series never vanish.</summary>
    public IReadOnlyList<ReasonCount> DatagramDrops { get; init; } = [];

    /// <summary>Data streams refused before splicing, one entry per reason label (zeros included).</summary>
    public IReadOnlyList<ReasonCount> StreamRefusals { get; init; } = [];

    /// <summary>Events waiting for the manager link.</summary>
    public long EventQueueDepth { get; init; }

    /// <summary>Events discarded because the bounded queue was full.</summary>
    public long EventsDroppedTotal { get; init; }

    /// <summary>Bytes held for edges now (stream buffers, unacknowledged data, datagram queues).</summary>
    public long BufferedBytes { get; init; }

    /// <summary>The memory budget those bytes are held to (<c>max_buffered_bytes</c>).</summary>
    public long MaxBufferedBytes { get; init; }

    /// <summary>Bytes allocated on the managed heap and not yet collected: what a leak of objects grows.</summary>
    public long GcHeapBytes { get; init; }

    /// <summary>Each QUIC event loop's counters, one entry per loop.</summary>
    public IReadOnlyList<LoopMetrics> Loops { get; init; } = [];

    /// <summary>The native UDP plane's figures (§5.11); always present, zeros while the plane is off.</summary>
    public NativeUdpMetricsSnapshot NativeUdp { get; init; } = new();

    /// <summary>The manager link's state; null when no manager is configured, and its families are then left out.</summary>
    public ManagerLinkSnapshot? Manager { get; init; }

    /// <summary>The structured event log's counters; null when none is configured, and its families are then left out.</summary>
    public EventLogSnapshot? EventLog { get; init; }
}
