using System.Collections.Concurrent;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;
using BilbyRelay.Stats;

namespace BilbyRelay.Tests.Stats;

/// <summary>A relay stand-in with fixed, recognisable values; records every delete it is asked for.</summary>
internal sealed class FakeStatsSource : IStatsSource
{
    public static readonly Guid ActiveTunnelId = Guid.Parse("6f1c2a4e-9b7d-4c1e-8a2f-0123456789ab");
    public static readonly Guid WaitingTunnelId = Guid.Parse("00000000-1111-2222-3333-444444444444");

    public ManagerLinkSnapshot? Manager { get; set; }

    public EventLogSnapshot? EventLog { get; set; }

    public HealthFailure? Failure { get; set; }

    public bool FailReads { get; set; }

    public ConcurrentQueue<Guid> DeleteRequests { get; } = new();

    public ManagerLinkSnapshot? GetManagerLink() => Manager;

    public HealthSnapshot GetHealth() => new()
    {
        UptimeSecs = 42,
        ConnectedEdges = 2,
        TotalTunnels = 2,
        ActiveTunnels = 1,
        Manager = Manager,
        Failure = Failure,
    };

    public IReadOnlyList<TunnelInfo> GetTunnels()
    {
        ThrowIfFailing();
        return
        [
            new TunnelInfo(
                ActiveTunnelId.ToString(),
                Protocol: "tcp",
                Status: "active",
                IngressEdgeId: "edge-a",
                EgressEdgeId: "edge-b",
                IngressRemoteAddr: "192.0.2.1:50000",
                EgressRemoteAddr: "[2001:db8::1]:50001",
                new TunnelStatsInfo(BytesIngress: 1000, BytesEgress: 2000, TcpStreamsTotal: 3, TcpStreamsActive: 1, UdpDatagramsTotal: 0, UptimeSecs: 30)),
            new TunnelInfo(
                WaitingTunnelId.ToString(),
                Protocol: "udp",
                Status: "waiting_egress",
                IngressEdgeId: "edge-a",
                EgressEdgeId: null,
                IngressRemoteAddr: "192.0.2.1:50000",
                EgressRemoteAddr: null,
                new TunnelStatsInfo(BytesIngress: 0, BytesEgress: 0, TcpStreamsTotal: 0, TcpStreamsActive: 0, UdpDatagramsTotal: 7, UptimeSecs: 5)),
        ];
    }

    public IReadOnlyList<EdgeInfo> GetEdges() =>
    [
        new EdgeInfo("edge-a", "192.0.2.1:50000", ConnectionId: "conn-1-192.0.2.1:50000"),
        new EdgeInfo("edge-\"b\"", "[2001:db8::1]:50001", ConnectionId: "conn-2-[2001:db8::1]:50001"),
    ];

    public RelayStatsSnapshot GetStats() => new(
        UptimeSecs: 42,
        ConnectedEdges: 2,
        TotalTunnels: 2,
        ActiveTunnels: 1,
        TotalBytesIngress: 1000,
        TotalBytesEgress: 2000,
        TotalBytesForwarded: 3000,
        TotalBandwidthBps: 125,
        TotalTcpStreams: 3,
        ActiveTcpStreams: 1,
        TotalUdpDatagrams: 7,
        PeakTunnels: 4,
        PeakEdges: 5,
        ConnectionsTotal: 9);

    public MetricsSnapshot GetMetrics() => new()
    {
        UptimeSeconds = 42,
        EdgesConnected = 2,
        TunnelsTotal = 2,
        TunnelsActive = 1,
        BytesForwardedTotal = 3000,
        BytesIngressTotal = 1000,
        BytesEgressTotal = 2000,
        TcpStreamsTotal = 3,
        TcpStreamsActive = 1,
        UdpDatagramsTotal = 7,
        ConnectionsTotal = 9,
        PeakTunnels = 4,
        PeakEdges = 5,
        ConnectionsRejectedTotal = 14,
        DatagramDrops = [new("no_peer", 11), new("queue_full", 0), new("odd \"label\"\\\n", 1)],
        StreamRefusals = [new("bad_header", 6), new("unknown_tunnel", 0)],
        EventQueueDepth = 12,
        EventsDroppedTotal = 13,
        Manager = Manager,
        EventLog = EventLog,
        Loops =
        [
            new LoopMetrics
            {
                Loop = "0.0.0.0:4433",
                PacketsReceived = 21,
                PacketsSent = 22,
                BytesReceived = 23,
                BytesSent = 24,
                ReceiveErrors = 25,
                ReceiveDrops = 26,
                SendDrops = 27,
                BusySeconds = 1.5,
                HandshakesCompleted = 28,
                HandshakesFailed = 29,
            },
            new LoopMetrics { Loop = "[::]:4433", BusySeconds = 0.000_002 },
        ],
        NativeUdp = new NativeUdpMetricsSnapshot
        {
            SessionsTotal = 3,
            SessionsActive = 2,
            BytesForwardedTotal = 31,
            DatagramsForwardedTotal = 32,
            BytesReceivedTotal = 33,
            RegistersTotal = 34,
            SessionsReapedTotal = 35,
            Dropped = [new("short", 1), new("send_error", 0)],
            RegisterRejected = [new("slot_held", 2), new("per_ip_cap", 0)],
            SocketBuffers = [new("0.0.0.0:4434", 67_108_864, 67_108_864), new("[::]:4434", 425_984, 425_984)],
        },
    };

    /// <summary>Native sessions served by <c>/api/v1/udp-sessions</c>; DELETE removes from it.</summary>
    public ConcurrentDictionary<Guid, NativeUdpSessionInfo> UdpSessions { get; } = new();

    public IReadOnlyList<NativeUdpSessionInfo> GetUdpSessions() => [.. UdpSessions.Values];

    public bool DeleteUdpSession(Guid tunnelId) => UdpSessions.TryRemove(tunnelId, out _);

    public DeleteTunnelResult DeleteTunnel(Guid tunnelId)
    {
        DeleteRequests.Enqueue(tunnelId);
        return tunnelId == ActiveTunnelId ? new DeleteTunnelResult(true, 2)
            : tunnelId == WaitingTunnelId ? new DeleteTunnelResult(true, 1)
            : new DeleteTunnelResult(false, 0);
    }

    private void ThrowIfFailing()
    {
        if (FailReads)
        {
            throw new InvalidOperationException("relay state unavailable");
        }
    }
}
