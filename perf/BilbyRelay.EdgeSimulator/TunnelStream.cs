using BilbyRelay.Quic;

namespace BilbyRelay.EdgeSimulator;

/// <summary>A data stream the relay opened towards this edge, with the header it carried.</summary>
public sealed record TunnelStream(QuicStream Stream, EdgeMessage Header);
