using System.Text.Json.Nodes;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Management;

namespace BilbyRelay.Composition;

/// <summary>
/// The relay as the manager link reads and commands it. Every figure is read live from the relay
/// core at the moment a message is built.
/// </summary>
internal sealed class ManagedRelay(RelayServer relay, RelayConfig config) : IManagedRelay
{
    // The optional features a manager may look for. The native UDP plane ("udp-relay") is not
    // offered, so nothing optional is advertised.
    private static readonly string[] Capabilities = [];

    public ManagerStatsPayload GetStats()
    {
        var s = relay.GetStats();
        return new ManagerStatsPayload
        {
            Tunnels = ListTunnels(),
            Edges = ListEdges(),
            ConnectedEdges = s.ConnectedEdges,
            ActiveTunnels = s.ActiveTunnels,
            TotalTunnels = s.TotalTunnels,
            TotalBytesIngress = s.TotalBytesIngress,
            TotalBytesEgress = s.TotalBytesEgress,
            TotalBytesForwarded = s.TotalBytesForwarded,
            TotalBandwidthBps = s.TotalBandwidthBps,
            TotalTcpStreams = s.TotalTcpStreams,
            ActiveTcpStreams = s.ActiveTcpStreams,
            TotalUdpDatagrams = s.TotalUdpDatagrams,
            PeakTunnels = s.PeakTunnels,
            PeakEdges = s.PeakEdges,
            ConnectionsTotal = s.ConnectionsTotal,
            UptimeSecs = s.UptimeSecs,
        };
    }

    public ManagerHealthPayload GetHealth()
    {
        var s = relay.GetStats();
        return new ManagerHealthPayload
        {
            Version = VersionInfo.Current,
            UptimeSecs = s.UptimeSecs,
            ConnectedEdges = s.ConnectedEdges,
            ActiveTunnels = s.ActiveTunnels,
            TotalTunnels = s.TotalTunnels,
            TotalBytesForwarded = s.TotalBytesForwarded,
            PeakTunnels = s.PeakTunnels,
            PeakEdges = s.PeakEdges,
            ConnectionsTotal = s.ConnectionsTotal,
            ApiAddr = config.ApiAddrs[0].ToString(),
            QuicAddr = config.QuicAddrs[0].ToString(),
            PublicQuicAddr = config.PublicQuicAddr,
            Capabilities = Capabilities,
        };
    }

    public IReadOnlyList<ManagerTunnelInfo> ListTunnels() =>
        relay.ListTunnels().Select(static t => new ManagerTunnelInfo
        {
            TunnelId = Guid.Parse(t.TunnelId),
            Protocol = t.Protocol,
            Status = t.Status,
            IngressEdgeId = t.IngressEdgeId,
            EgressEdgeId = t.EgressEdgeId,
            IngressRemoteAddr = t.IngressRemoteAddr,
            EgressRemoteAddr = t.EgressRemoteAddr,
            Stats = new ManagerTunnelStats
            {
                BytesIngress = t.Stats.BytesIngress,
                BytesEgress = t.Stats.BytesEgress,
                TcpStreamsTotal = t.Stats.TcpStreamsTotal,
                TcpStreamsActive = t.Stats.TcpStreamsActive,
                UdpDatagramsTotal = t.Stats.UdpDatagramsTotal,
                UptimeSecs = t.Stats.UptimeSecs,
            },
        }).ToArray();

    public IReadOnlyList<ManagerEdgeInfo> ListEdges() =>
        relay.ListEdges().Select(static e => new ManagerEdgeInfo { EdgeId = e.EdgeId, RemoteAddr = e.RemoteAddr }).ToArray();

    public bool CloseTunnel(Guid tunnelId, string reason) => relay.CloseTunnel(TunnelId.FromGuid(tunnelId), reason).Found;

    public bool DisconnectEdge(string edgeId) => relay.DisconnectEdge(edgeId);

    public void AuthorizeTunnel(Guid tunnelId, string ingressToken, string egressToken) =>
        relay.AuthorizeTunnel(TunnelId.FromGuid(tunnelId), ingressToken, egressToken);

    public bool RevokeTunnel(Guid tunnelId) => relay.RevokeTunnel(TunnelId.FromGuid(tunnelId));

    public JsonObject GetRedactedConfig() => JsonNode.Parse(EffectiveConfig.ToJson(config))!.AsObject();
}
