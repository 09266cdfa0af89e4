using BilbyRelay.Quic;

namespace BilbyRelay.EdgeSimulator;

public sealed class SimulatedEdgeOptions
{
    /// <summary>ALPN offered to the relay; real edges offer exactly <c>bilbycast-relay</c>.</summary>
    public string Alpn { get; set; } = "bilbycast-relay";

    /// <summary>Pinned relay certificate; null skips verification, as bilbycast edges do by default.</summary>
    public string? PinnedCertificateSha256 { get; set; }

    public QuicTransportSettings Transport { get; set; } = new();

    /// <summary>
    /// A UDP socket (and source port) of its own, as a real edge has, instead of the process-wide one that simulated
    /// edges share by default; needed for a multi-loop relay to spread edges over its loops.
    /// </summary>
    public bool OwnSocket { get; set; }

    /// <summary>
    /// Receives each datagram on the QUIC loop thread (span valid only during the call). When null,
    /// datagrams are copied into <see cref="SimulatedEdge.Datagrams"/>.
    /// </summary>
    public Action<ReadOnlySpan<byte>>? DatagramObserver { get; set; }
}
