using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

// Operations for the stats endpoint and the manager link. All are thread-safe and never block the
// data plane: listings walk the lock-free table and read counters live.
public sealed partial class RelayServer
{
    /// <summary>Every tunnel with its slots and counters (weakly consistent snapshot).</summary>
    public IReadOnlyList<TunnelInfo> ListTunnels()
    {
        var tunnels = new List<Tunnel>(Tunnels.Count);
        Tunnels.CopyTo(tunnels);
        long now = Options.Time.GetTimestamp();
        var result = new List<TunnelInfo>(tunnels.Count);
        foreach (var tunnel in tunnels)
        {
            var ingress = tunnel.Ingress;
            var egress = tunnel.Egress;
            var status = (ingress, egress) switch
            {
                (not null, not null) => TunnelStatus.Active,
                (not null, null) => TunnelStatus.WaitingEgress,
                (null, not null) => TunnelStatus.WaitingIngress,
                _ => TunnelStatus.Empty,
            };
            if (status == TunnelStatus.Empty)
            {
                // Caught between its last unbind and its removal.
                continue;
            }

            result.Add(new TunnelInfo(
                tunnel.Id.ToString(),
                tunnel.Protocol.ToWireName(),
                status.ToWireName(),
                ingress?.ReportedEdgeId,
                egress?.ReportedEdgeId,
                ingress?.RemoteAddress,
                egress?.RemoteAddress,
                new TunnelStatsInfo(
                    tunnel.BytesIngress,
                    tunnel.BytesEgress,
                    tunnel.TcpStreamsTotal,
                    tunnel.TcpStreamsActive,
                    tunnel.UdpDatagramsTotal,
                    (long)Options.Time.GetElapsedTime(tunnel.CreatedTimestamp, now).TotalSeconds)));
        }

        return result;
    }

    /// <summary>Every connected edge.</summary>
    public IReadOnlyList<EdgeInfo> ListEdges()
    {
        var result = new List<EdgeInfo>(_sessions.Count);
        foreach (var session in _sessions.Keys)
        {
            result.Add(new EdgeInfo(session.ReportedEdgeId, session.RemoteAddress, session.ConnectionId));
        }

        return result;
    }

    /// <summary>
    /// Closes every connection whose connection id or identified edge id equals
    /// <paramref name="edgeIdOrConnectionId"/>; false when none matched.
    /// </summary>
    public bool DisconnectEdge(string edgeIdOrConnectionId)
    {
        ArgumentNullException.ThrowIfNull(edgeIdOrConnectionId);
        bool found = false;
        foreach (var session in _sessions.Keys)
        {
            if (session.ConnectionId == edgeIdOrConnectionId || session.IdentifiedEdgeId == edgeIdOrConnectionId)
            {
                found = true;
                session.Stop(RelayErrorCodes.DisconnectedByOperator, "disconnected by operator");
            }
        }

        return found;
    }

    /// <summary>Stores the expected bind tokens for a tunnel (replacing any previous ones).</summary>
    public void AuthorizeTunnel(TunnelId id, string ingressToken, string egressToken) =>
        BindTokens.Authorize(id, ingressToken, egressToken);

    /// <summary>Forgets a tunnel's bind tokens; false when none were stored.</summary>
    public bool RevokeTunnel(TunnelId id) => BindTokens.Revoke(id);

    /// <summary>
    /// Recomputes the bandwidth figure from the forwarded-bytes total; the host calls this once a
    /// second. Returns bits per second over the interval since the previous call.
    /// </summary>
    public long SampleBandwidth() =>
        _bandwidth.Sample(Metrics.BytesIngress.Value + Metrics.BytesEgress.Value);

    /// <summary>The relay-wide figures, read live.</summary>
    public RelayStatsSnapshot GetStats()
    {
        long ingress = Metrics.BytesIngress.Value;
        long egress = Metrics.BytesEgress.Value;
        return new RelayStatsSnapshot(
            UptimeSecs: (long)Uptime.TotalSeconds,
            ConnectedEdges: ConnectedEdges,
            TotalTunnels: Tunnels.Count,
            ActiveTunnels: ActiveTunnels,
            TotalBytesIngress: ingress,
            TotalBytesEgress: egress,
            TotalBytesForwarded: ingress + egress,
            TotalBandwidthBps: _bandwidth.BitsPerSecond,
            TotalTcpStreams: Metrics.TcpStreamsTotal,
            ActiveTcpStreams: Metrics.TcpStreamsActive,
            TotalUdpDatagrams: Metrics.UdpDatagrams.Value,
            PeakTunnels: Metrics.PeakTunnels,
            PeakEdges: Metrics.PeakEdges,
            ConnectionsTotal: Metrics.ConnectionsTotal);
    }
}
