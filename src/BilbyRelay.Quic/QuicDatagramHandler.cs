namespace BilbyRelay.Quic;

/// <summary>
/// Receives one DATAGRAM frame payload. Invoked on the connection's loop thread; <paramref name="datagram"/> is
/// valid only during the call (copy it to keep it). Must not block and should not throw.
/// </summary>
public delegate void QuicDatagramHandler(QuicConnection connection, ReadOnlySpan<byte> datagram);
