using System.Text.Json.Serialization;

namespace BilbyRelay.Core.Relay;

/// <summary>One tunnel as the REST API and the manager list it (§6 <c>GET /api/v1/tunnels</c>).</summary>
/// <param name="TunnelId">Lowercase hyphenated UUID.</param>
/// <param name="Protocol"><c>tcp</c> or <c>udp</c>.</param>
/// <param name="Status"><c>active</c>, <c>waiting_ingress</c> or <c>waiting_egress</c>.</param>
public sealed record TunnelInfo(
    string TunnelId,
    string Protocol,
    string Status,
    string? IngressEdgeId,
    string? EgressEdgeId,
    string? IngressRemoteAddr,
    string? EgressRemoteAddr,
    TunnelStatsInfo Stats);

/// <summary>A tunnel's counters (§1.5).</summary>
public sealed record TunnelStatsInfo(
    long BytesIngress,
    long BytesEgress,
    long TcpStreamsTotal,
    long TcpStreamsActive,
    long UdpDatagramsTotal,
    long UptimeSecs);

/// <summary>
/// One connected edge (§6 <c>GET /api/v1/edges</c>). <see cref="EdgeId"/> is the id the edge gave in
/// <c>identify</c>, else its <see cref="ConnectionId"/> (<c>conn-&lt;n&gt;-&lt;addr&gt;</c>, as upstream).
/// <see cref="ConnectionId"/> is not part of the wire shape <c>{edge_id, remote_addr}</c>, so JSON skips it.
/// </summary>
public sealed record EdgeInfo(string EdgeId, string RemoteAddr, [property: JsonIgnore] string ConnectionId);

/// <summary>Relay-wide figures (§3 <c>stats</c>, §6 <c>GET /api/v1/stats</c>).</summary>
public sealed record RelayStatsSnapshot(
    long UptimeSecs,
    long ConnectedEdges,
    long TotalTunnels,
    long ActiveTunnels,
    long TotalBytesIngress,
    long TotalBytesEgress,
    long TotalBytesForwarded,
    long TotalBandwidthBps,
    long TotalTcpStreams,
    long ActiveTcpStreams,
    long TotalUdpDatagrams,
    long PeakTunnels,
    long PeakEdges,
    long ConnectionsTotal);

/// <summary>Result of closing a tunnel for the manager or the REST API.</summary>
/// <param name="Found">False when no such tunnel existed.</param>
/// <param name="PeersNotified">Bound sides that were sent <c>tunnel_down</c>.</param>
public readonly record struct CloseTunnelResult(bool Found, int PeersNotified);
