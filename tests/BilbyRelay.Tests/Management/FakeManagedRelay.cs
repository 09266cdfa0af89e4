using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

/// <summary>
/// A relay stand-in for manager-link tests: fixed tunnels and edges, and a record of every command
/// the link executed. Thread-safe: the link calls it from its own tasks while tests read it.
/// </summary>
internal sealed class FakeManagedRelay : IManagedRelay
{
    public static readonly Guid KnownTunnel = Guid.Parse("6f1c7a52-3d1e-4c55-9a8e-0b1f2c3d4e5f");
    public const string KnownEdge = "edge-a";

    private long _statsCalls;
    private long _healthCalls;

    public ConcurrentQueue<(Guid TunnelId, string Reason)> ClosedTunnels { get; } = new();

    public ConcurrentQueue<string> DisconnectedEdges { get; } = new();

    public ConcurrentDictionary<Guid, (string Ingress, string Egress)> Authorizations { get; } = new();

    public ConcurrentQueue<Guid> Revocations { get; } = new();

    public long StatsCalls => Interlocked.Read(ref _statsCalls);

    public long HealthCalls => Interlocked.Read(ref _healthCalls);

    public IReadOnlyList<TunnelInfo> Tunnels { get; set; } =
    [
        new TunnelInfo(
            KnownTunnel.ToString(),
            Protocol: "tcp",
            Status: "waiting_egress",
            IngressEdgeId: KnownEdge,
            EgressEdgeId: null,
            IngressRemoteAddr: "192.0.2.10:50000",
            EgressRemoteAddr: null,
            new TunnelStatsInfo(BytesIngress: 1234, BytesEgress: 0, TcpStreamsTotal: 2, TcpStreamsActive: 1, UdpDatagramsTotal: 0, UptimeSecs: 7)),
    ];

    public IReadOnlyList<EdgeInfo> Edges { get; set; } =
    [
        new EdgeInfo(KnownEdge, "192.0.2.10:50000", ConnectionId: "conn-1-192.0.2.10:50000"),
    ];

    public ManagerStatsPayload GetStats()
    {
        Interlocked.Increment(ref _statsCalls);
        return ManagerStatsPayload.Create(
            Tunnels,
            Edges,
            new RelayStatsSnapshot(
                UptimeSecs: 42,
                ConnectedEdges: Edges.Count,
                TotalTunnels: Tunnels.Count,
                ActiveTunnels: 0,
                TotalBytesIngress: 1234,
                TotalBytesEgress: 0,
                TotalBytesForwarded: 1234,
                TotalBandwidthBps: 800,
                TotalTcpStreams: 2,
                ActiveTcpStreams: 1,
                TotalUdpDatagrams: 0,
                PeakTunnels: 1,
                PeakEdges: 1,
                ConnectionsTotal: 3));
    }

    public ManagerHealthPayload GetHealth()
    {
        Interlocked.Increment(ref _healthCalls);
        return new ManagerHealthPayload
        {
            Version = "9.9.9-test",
            UptimeSecs = 42,
            ConnectedEdges = Edges.Count,
            ActiveTunnels = 0,
            TotalTunnels = Tunnels.Count,
            TotalBytesForwarded = 1234,
            PeakTunnels = 1,
            PeakEdges = 1,
            ConnectionsTotal = 3,
            ApiAddr = "0.0.0.0:4480",
            QuicAddr = "0.0.0.0:4433",
            PublicQuicAddr = null,
            Capabilities = ["tcp", "udp"],
        };
    }

    public IReadOnlyList<TunnelInfo> ListTunnels() => Tunnels;

    public IReadOnlyList<EdgeInfo> ListEdges() => Edges;

    public bool CloseTunnel(Guid tunnelId, string reason)
    {
        if (tunnelId != KnownTunnel)
        {
            return false;
        }

        ClosedTunnels.Enqueue((tunnelId, reason));
        return true;
    }

    public bool DisconnectEdge(string edgeId)
    {
        if (edgeId != KnownEdge)
        {
            return false;
        }

        DisconnectedEdges.Enqueue(edgeId);
        return true;
    }

    public void AuthorizeTunnel(Guid tunnelId, string ingressToken, string egressToken) =>
        Authorizations[tunnelId] = (ingressToken, egressToken);

    public bool RevokeTunnel(Guid tunnelId)
    {
        Revocations.Enqueue(tunnelId);
        return Authorizations.TryRemove(tunnelId, out _);
    }

    /// <summary>Native sessions the relay reports; close_udp_session removes from it.</summary>
    public ConcurrentDictionary<Guid, NativeUdpSessionInfo> UdpSessions { get; } = new();

    public IReadOnlyList<NativeUdpSessionInfo> ListUdpSessions() => [.. UdpSessions.Values];

    public bool CloseUdpSession(Guid tunnelId) => UdpSessions.TryRemove(tunnelId, out _);

    public JsonObject GetRedactedConfig() => new()
    {
        ["quic_addr"] = "0.0.0.0:4433",
        ["api_token"] = "***REDACTED***",
        ["manager"] = new JsonObject
        {
            ["enabled"] = true,
            ["node_id"] = "node-1",
            ["node_secret"] = "***REDACTED***",
        },
    };
}
