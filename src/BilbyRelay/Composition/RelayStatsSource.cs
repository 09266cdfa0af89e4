using BilbyRelay.Core.Events;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Edges;
using BilbyRelay.EventLog;
using BilbyRelay.Hosting;
using BilbyRelay.NativeUdp;
using BilbyRelay.Quic;
using BilbyRelay.Stats;

namespace BilbyRelay.Composition;

/// <summary>
/// Serves the stats endpoint straight from the relay's live counters and tables: every request
/// reads the current values, so nothing can drift from what the data plane counts. The relay
/// core's report records are the wire shapes, so tunnels, edges and totals pass through unchanged.
/// </summary>
internal sealed class RelayStatsSource(
    RelayServer relay,
    QuicMemoryBudget budget,
    EdgeListenerComponent edges,
    NativeUdpComponent nativeUdp,
    NativeUdpRelay nativeRelay,
    RelayLifetime lifetime,
    Func<ManagerLinkSnapshot?> managerStatus,
    EventLogTarget? eventLog = null) : IStatsSource
{
    private static readonly DatagramDropReason[] DatagramDropReasons = Enum.GetValues<DatagramDropReason>();
    private static readonly StreamRefusalReason[] StreamRefusalReasons = Enum.GetValues<StreamRefusalReason>();
    private static readonly NativeUdpDropReason[] NativeUdpDropReasons = Enum.GetValues<NativeUdpDropReason>();
    private static readonly NativeUdpRejectReason[] NativeUdpRejectReasons = Enum.GetValues<NativeUdpRejectReason>();

    public HealthSnapshot GetHealth()
    {
        var stats = relay.GetStats();
        return new HealthSnapshot
        {
            UptimeSecs = stats.UptimeSecs,
            ConnectedEdges = stats.ConnectedEdges,
            TotalTunnels = stats.TotalTunnels,
            ActiveTunnels = stats.ActiveTunnels,
            UdpSessionsTotal = nativeRelay.SessionCount,
            UdpSessionsActive = nativeRelay.ActiveSessionCount,
            Manager = GetManagerLink(),
            Failure = lifetime.Failure is { } failure ? new HealthFailure(failure.Component, failure.Reason) : null,
        };
    }

    public IReadOnlyList<TunnelInfo> GetTunnels() => relay.ListTunnels();

    public IReadOnlyList<EdgeInfo> GetEdges() => relay.ListEdges();

    public RelayStatsSnapshot GetStats() => relay.GetStats();

    public ManagerLinkSnapshot? GetManagerLink() => managerStatus();

    public MetricsSnapshot GetMetrics()
    {
        var s = relay.GetStats();
        var metrics = relay.Metrics;
        return new MetricsSnapshot
        {
            UptimeSeconds = s.UptimeSecs,
            EdgesConnected = s.ConnectedEdges,
            TunnelsTotal = s.TotalTunnels,
            TunnelsActive = s.ActiveTunnels,
            BytesForwardedTotal = s.TotalBytesForwarded,
            BytesIngressTotal = s.TotalBytesIngress,
            BytesEgressTotal = s.TotalBytesEgress,
            TcpStreamsTotal = s.TotalTcpStreams,
            TcpStreamsActive = s.ActiveTcpStreams,
            UdpDatagramsTotal = s.TotalUdpDatagrams,
            ConnectionsTotal = s.ConnectionsTotal,
            PeakTunnels = s.PeakTunnels,
            PeakEdges = s.PeakEdges,
            ConnectionsRejectedTotal = metrics.ConnectionsRejected,
            // Every reason is listed, zeros included, so series never vanish from dashboards.
            DatagramDrops = DatagramDropReasons.Select(r => new ReasonCount(r.ToLabel(), metrics.GetDatagramDrops(r))).ToArray(),
            StreamRefusals = StreamRefusalReasons.Select(r => new ReasonCount(r.ToLabel(), metrics.GetStreamRefusals(r))).ToArray(),
            EventQueueDepth = relay.Events.Count,
            BufferedBytes = budget.Used,
            MaxBufferedBytes = budget.Limit,
            GcHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            EventsDroppedTotal = relay.Events.DroppedCount,
            Loops = edges.LoopCounters.Select(ToLoopMetrics).ToArray(),
            NativeUdp = NativeUdpMetrics(),
            Manager = GetManagerLink(),
            EventLog = eventLog is null ? null : new EventLogSnapshot
            {
                QueueDepth = eventLog.QueuedCount,
                WrittenTotal = eventLog.WrittenCount,
                DroppedTotal = eventLog.DroppedCount,
                WriteErrorsTotal = eventLog.WriteErrorCount,
            },
        };
    }

    private NativeUdpMetricsSnapshot NativeUdpMetrics()
    {
        var m = nativeRelay.Metrics;
        return new NativeUdpMetricsSnapshot
        {
            SessionsTotal = nativeRelay.SessionCount,
            SessionsActive = nativeRelay.ActiveSessionCount,
            BytesForwardedTotal = m.BytesForwarded,
            DatagramsForwardedTotal = m.DatagramsForwarded,
            BytesReceivedTotal = m.BytesReceived,
            RegistersTotal = m.RegistersAccepted,
            SessionsReapedTotal = m.SessionsReaped,
            Dropped = NativeUdpDropReasons.Select(r => new ReasonCount(r.ToLabel(), m.GetDrops(r))).ToArray(),
            RegisterRejected = NativeUdpRejectReasons.Select(r => new ReasonCount(r.ToLabel(), m.GetRejections(r))).ToArray(),
            SocketBuffers = nativeUdp.Buffers.Select(static b => new SocketBufferGauge(b.EndPoint.ToString(), b.Receive, b.Send)).ToArray(),
        };
    }

    public IReadOnlyList<NativeUdpSessionInfo> GetUdpSessions() => nativeRelay.ListSessions();

    public bool DeleteUdpSession(Guid tunnelId) => nativeRelay.Remove(TunnelId.FromGuid(tunnelId));

    private static LoopMetrics ToLoopMetrics(QuicLoopCounters counters) => new()
    {
        // Several loops share one address (SO_REUSEPORT): the index keeps each loop's series apart.
        Loop = $"{counters.LocalEndPoint}#{counters.Index}",
        PacketsReceived = counters.PacketsReceived,
        PacketsSent = counters.PacketsSent,
        BytesReceived = counters.BytesReceived,
        BytesSent = counters.BytesSent,
        ReceiveErrors = counters.ReceiveErrors,
        ReceiveDrops = counters.PacketsDropped,
        SendDrops = counters.SendsDropped,
        SendWaits = counters.SendWaits,
        BusySeconds = counters.BusyTime.TotalSeconds,
        HandshakesCompleted = counters.HandshakesCompleted,
        HandshakesFailed = counters.HandshakesFailed,
        HandshakesRetried = counters.HandshakesRetried,
        HalfOpenConnections = counters.HalfOpenConnections,
        HandshakesRefusedHalfOpenCap = counters.HandshakesRefusedHalfOpenCap,
        HandshakesRefusedInvalidToken = counters.HandshakesRefusedInvalidToken,
    };

    public DeleteTunnelResult DeleteTunnel(Guid tunnelId)
    {
        var id = TunnelId.FromGuid(tunnelId);
        relay.RevokeTunnel(id);
        var result = relay.CloseTunnel(id, TunnelDownReasons.DeletedViaRestApi);
        return new DeleteTunnelResult(result.Found, result.PeersNotified);
    }
}
