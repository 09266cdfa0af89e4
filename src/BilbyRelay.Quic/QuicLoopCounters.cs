using System.Net;

namespace BilbyRelay.Quic;

/// <summary>What one event loop (one UDP socket and its thread) has done since it started. Every count only grows.</summary>
public readonly record struct QuicLoopCounters
{
    /// <summary>The socket's bound address; names the loop.</summary>
    public required IPEndPoint LocalEndPoint { get; init; }

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

    /// <summary>Sends lost because the socket buffer was full (QUIC recovers them as lost packets).</summary>
    public long SendsDropped { get; init; }

    /// <summary>Time the loop spent working rather than waiting for the socket, a wake-up or a timer.</summary>
    public TimeSpan BusyTime { get; init; }

    /// <summary>Server connections whose handshake completed.</summary>
    public long HandshakesCompleted { get; init; }

    /// <summary>Connections that ended before their handshake completed (timeouts, TLS or ALPN failures).</summary>
    public long HandshakesFailed { get; init; }
}
