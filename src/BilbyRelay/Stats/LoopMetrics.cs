namespace BilbyRelay.Stats;

/// <summary>One QUIC event loop's counters; <see cref="Loop"/> (its UDP address) becomes the <c>loop</c> label value.</summary>
internal readonly record struct LoopMetrics
{
    public required string Loop { get; init; }

    public long PacketsReceived { get; init; }

    public long PacketsSent { get; init; }

    public long BytesReceived { get; init; }

    public long BytesSent { get; init; }

    public long ReceiveErrors { get; init; }

    /// <summary>Received datagrams dropped before reaching a connection (truncated, not QUIC, unroutable, refused).</summary>
    public long ReceiveDrops { get; init; }

    /// <summary>Packets not sent: offered while earlier ones waited for the socket, or refused by a socket error.</summary>
    public long SendDrops { get; init; }

    /// <summary>Times the send buffer was full and packets waited for the socket instead of being dropped.</summary>
    public long SendWaits { get; init; }

    /// <summary>Seconds spent working rather than waiting; its rate is the loop's busy fraction.</summary>
    public double BusySeconds { get; init; }

    public long HandshakesCompleted { get; init; }

    public long HandshakesFailed { get; init; }

    /// <summary>Connection attempts answered with Retry (address validation above the handshake-rate threshold).</summary>
    public long HandshakesRetried { get; init; }

    /// <summary>Connections whose handshake has not completed, now.</summary>
    public long HalfOpenConnections { get; init; }

    /// <summary>Attempts dropped at the half-open cap (max_half_open_connections).</summary>
    public long HandshakesRefusedHalfOpenCap { get; init; }

    /// <summary>Attempts closed with INVALID_TOKEN (forged, expired or replayed Retry token).</summary>
    public long HandshakesRefusedInvalidToken { get; init; }
}
