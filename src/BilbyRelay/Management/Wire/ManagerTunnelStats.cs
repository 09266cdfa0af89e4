namespace BilbyRelay.Management;

/// <summary>Per-tunnel counters (PROTOCOL.md §1.5).</summary>
internal sealed class ManagerTunnelStats
{
    public long BytesIngress { get; init; }

    public long BytesEgress { get; init; }

    public long TcpStreamsTotal { get; init; }

    public long TcpStreamsActive { get; init; }

    public long UdpDatagramsTotal { get; init; }

    public long UptimeSecs { get; init; }
}
