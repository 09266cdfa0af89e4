using System.Net;

namespace BilbyRelay.Quic;

/// <summary>What one event loop (one UDP socket and its thread) has done since it started. Every count only grows.</summary>
public readonly record struct QuicLoopCounters
{
    /// <summary>The socket's bound address (shared by the loops of one listen address).</summary>
    public required IPEndPoint LocalEndPoint { get; init; }

    /// <summary>The loop's position among the listener's loops; with <see cref="LocalEndPoint"/> it names the loop.</summary>
    public int Index { get; init; }

    /// <summary>UDP datagrams received, including those dropped.</summary>
    public long PacketsReceived { get; init; }

    /// <summary>QUIC packets sent (a GSO batch counts each of its packets).</summary>
    public long PacketsSent { get; init; }

    public long BytesReceived { get; init; }

    public long BytesSent { get; init; }

    /// <summary>Receive calls that failed (the socket reported an error rather than a datagram).</summary>
    public long ReceiveErrors { get; init; }

    /// <summary>Received datagrams that belonged to no connection: truncated, not QUIC, stray, refused, unsupported version.</summary>
    public long PacketsDropped { get; init; }

    /// <summary>Packets not sent: offered while earlier ones still waited for the socket, or refused by a socket error (QUIC recovers them as lost).</summary>
    public long SendsDropped { get; init; }

    /// <summary>Times the socket's send buffer was full and packets waited for it to become writable instead of being dropped.</summary>
    public long SendWaits { get; init; }

    /// <summary>Time the loop spent working rather than waiting for the socket, a wake-up or a timer.</summary>
    public TimeSpan BusyTime { get; init; }

    /// <summary>Server connections whose handshake completed.</summary>
    public long HandshakesCompleted { get; init; }

    /// <summary>Connections that ended before their handshake completed (timeouts, TLS or ALPN failures).</summary>
    public long HandshakesFailed { get; init; }

    /// <summary>Connection attempts answered with a Retry packet (address validation under a handshake flood).</summary>
    public long HandshakesRetried { get; init; }

    /// <summary>Server connections whose handshake has not completed, now (a gauge, not a count).</summary>
    public int HalfOpenConnections { get; init; }

    /// <summary>Connection attempts dropped because the half-open connections were at their cap.</summary>
    public long HandshakesRefusedHalfOpenCap { get; init; }

    /// <summary>Connection attempts closed with INVALID_TOKEN: their Retry token was forged, expired or from another address.</summary>
    public long HandshakesRefusedInvalidToken { get; init; }
}
