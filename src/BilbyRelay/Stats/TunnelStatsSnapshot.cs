namespace BilbyRelay.Stats;

/// <summary>A tunnel's counters (PROTOCOL.md §1.5).</summary>
internal sealed class TunnelStatsSnapshot
{
    public long BytesIngress { get; init; }

    public long BytesEgress { get; init; }

    public long TcpStreamsTotal { get; init; }

    public long TcpStreamsActive { get; init; }

    public long UdpDatagramsTotal { get; init; }

    public long UptimeSecs { get; init; }
}
