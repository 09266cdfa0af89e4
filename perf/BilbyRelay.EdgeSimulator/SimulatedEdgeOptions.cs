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
    /// Receives each datagram on the QUIC loop thread (span valid only during the call). When null,
    /// datagrams are copied into <see cref="SimulatedEdge.Datagrams"/>.
    /// </summary>
    public Action<ReadOnlySpan<byte>>? DatagramObserver { get; set; }
}
