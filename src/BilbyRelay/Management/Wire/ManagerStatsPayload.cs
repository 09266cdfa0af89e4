namespace BilbyRelay.Management;

/// <summary>Payload of the <c>stats</c> message (PROTOCOL.md §3); every field is always present.</summary>
internal sealed class ManagerStatsPayload
{
    public IReadOnlyList<ManagerTunnelInfo> Tunnels { get; init; } = [];

    public IReadOnlyList<ManagerEdgeInfo> Edges { get; init; } = [];

    public long ConnectedEdges { get; init; }

    public long ActiveTunnels { get; init; }

    public long TotalTunnels { get; init; }

    public long TotalBytesIngress { get; init; }

    public long TotalBytesEgress { get; init; }

    public long TotalBytesForwarded { get; init; }

    public long TotalBandwidthBps { get; init; }

    public long TotalTcpStreams { get; init; }

    public long ActiveTcpStreams { get; init; }

    public long TotalUdpDatagrams { get; init; }

    public long PeakTunnels { get; init; }

    public long PeakEdges { get; init; }

    public long ConnectionsTotal { get; init; }

    public long UptimeSecs { get; init; }
}
