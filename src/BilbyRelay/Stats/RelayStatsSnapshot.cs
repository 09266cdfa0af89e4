namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/stats</c> body.</summary>
internal sealed class RelayStatsSnapshot
{
    public long UptimeSecs { get; init; }

    public long ConnectedEdges { get; init; }

    public long TotalTunnels { get; init; }

    public long ActiveTunnels { get; init; }

    public long TotalBytesIngress { get; init; }

    public long TotalBytesEgress { get; init; }

    public long TotalBytesForwarded { get; init; }

    /// <summary>Bytes per second forwarded over the last sampling interval.</summary>
    public long TotalBandwidthBps { get; init; }

    public long TotalTcpStreams { get; init; }

    public long ActiveTcpStreams { get; init; }

    public long TotalUdpDatagrams { get; init; }

    public long PeakTunnels { get; init; }

    public long PeakEdges { get; init; }

    public long ConnectionsTotal { get; init; }
}
