using System.Text.Json.Serialization;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Stats;

/// <summary>
/// The <c>GET /api/v1/stats</c> body: the relay-wide totals, then the manager link's state in the same
/// shape as <c>GET /health</c>'s <c>manager</c> block (omitted when no manager is configured).
/// </summary>
internal sealed class StatsResponse(RelayStatsSnapshot stats, ManagerLinkSnapshot? manager)
{
    public long UptimeSecs => stats.UptimeSecs;

    public long ConnectedEdges => stats.ConnectedEdges;

    public long TotalTunnels => stats.TotalTunnels;

    public long ActiveTunnels => stats.ActiveTunnels;

    public long TotalBytesIngress => stats.TotalBytesIngress;

    public long TotalBytesEgress => stats.TotalBytesEgress;

    public long TotalBytesForwarded => stats.TotalBytesForwarded;

    public long TotalBandwidthBps => stats.TotalBandwidthBps;

    public long TotalTcpStreams => stats.TotalTcpStreams;

    public long ActiveTcpStreams => stats.ActiveTcpStreams;

    public long TotalUdpDatagrams => stats.TotalUdpDatagrams;

    public long PeakTunnels => stats.PeakTunnels;

    public long PeakEdges => stats.PeakEdges;

    public long ConnectionsTotal => stats.ConnectionsTotal;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ManagerLinkSnapshot? Manager => manager;
}
