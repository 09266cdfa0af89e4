using System.Text.Json.Nodes;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Edges;
using BilbyRelay.Management;
using BilbyRelay.NativeUdp;
using BilbyRelay.Stats;

namespace BilbyRelay.Composition;

/// <summary>
/// The relay as the manager link reads and commands it. Every figure is read live from the relay
/// core at the moment a message is built.
/// </summary>
/// <param name="edges">For the bound QUIC address: with port 0 configured, the manager needs the port the system chose.</param>
/// <param name="statsServer">For the bound REST address, likewise.</param>
/// <param name="nativeUdp">Whether the native UDP plane is actually listening: only then is <c>udp-relay</c> advertised.</param>
internal sealed class ManagedRelay(RelayServer relay, RelayConfig config, EdgeListenerComponent edges, StatsServer statsServer, NativeUdpComponent nativeUdp, NativeUdpRelay nativeRelay) : IManagedRelay
{
    // The optional features a manager may look for.
    private static readonly string[] WithUdpRelay = ["udp-relay"];

    public ManagerStatsPayload GetStats() =>
        ManagerStatsPayload.Create(relay.ListTunnels(), relay.ListEdges(), relay.GetStats(), nativeRelay.ListSessions(), nativeRelay.SessionCount, nativeRelay.ActiveSessionCount);

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
            EventsDropped = relay.Events.DroppedCount,
            // The manager link starts after both listeners, so the configured address is only a fallback.
            ApiAddr = (statsServer.LocalEndPoints.FirstOrDefault() ?? config.ApiAddrs[0]).ToString(),
            QuicAddr = (edges.LocalEndPoints.FirstOrDefault() ?? config.QuicAddrs[0]).ToString(),
            PublicQuicAddr = config.PublicQuicAddr,
            Capabilities = nativeUdp.IsListening ? WithUdpRelay : [],
            PublicUdpAddr = config.PublicUdpAddr,
            UdpSessionsTotal = nativeRelay.SessionCount,
            UdpSessionsActive = nativeRelay.ActiveSessionCount,
        };
    }

    public IReadOnlyList<TunnelInfo> ListTunnels() => relay.ListTunnels();

    public IReadOnlyList<EdgeInfo> ListEdges() => relay.ListEdges();

    public bool CloseTunnel(Guid tunnelId, string reason) => relay.CloseTunnel(TunnelId.FromGuid(tunnelId), reason).Found;

    public bool DisconnectEdge(string edgeId) => relay.DisconnectEdge(edgeId);

    public void AuthorizeTunnel(Guid tunnelId, string ingressToken, string egressToken) =>
        relay.AuthorizeTunnel(TunnelId.FromGuid(tunnelId), ingressToken, egressToken);

    public bool RevokeTunnel(Guid tunnelId) => relay.RevokeTunnel(TunnelId.FromGuid(tunnelId));

    public IReadOnlyList<NativeUdpSessionInfo> ListUdpSessions() => nativeRelay.ListSessions();

    public bool CloseUdpSession(Guid tunnelId) => nativeRelay.Remove(TunnelId.FromGuid(tunnelId));

    public JsonObject GetRedactedConfig() => JsonNode.Parse(EffectiveConfig.ToJson(config))!.AsObject();
}
