namespace BilbyRelay.Management;

/// <summary>Payload of the <c>health</c> message (PROTOCOL.md §3); every field is always present, <c>public_quic_addr</c> may be null.</summary>
internal sealed class ManagerHealthPayload
{
    public string Status { get; init; } = "ok";

    public required string Version { get; init; }

    public long UptimeSecs { get; init; }

    public long ConnectedEdges { get; init; }

    public long ActiveTunnels { get; init; }

    public long TotalTunnels { get; init; }

    public long TotalBytesForwarded { get; init; }

    public long PeakTunnels { get; init; }

    public long PeakEdges { get; init; }

    public long ConnectionsTotal { get; init; }

    public required string ApiAddr { get; init; }

    public required string QuicAddr { get; init; }

    public string? PublicQuicAddr { get; init; }

    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Where remote edges send native UDP; null when unset (the manager then uses public_quic_addr's host).</summary>
    public string? PublicUdpAddr { get; init; }

    public long UdpSessionsTotal { get; init; }

    public long UdpSessionsActive { get; init; }

    /// <summary>Events the bounded queue dropped (oldest first) while the manager was away.</summary>
    public long EventsDropped { get; init; }
}
