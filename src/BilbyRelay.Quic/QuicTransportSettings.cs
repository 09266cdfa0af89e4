namespace BilbyRelay.Quic;

/// <summary>Transport parameters and local limits applied to every connection of a listener or client.</summary>
public sealed class QuicTransportSettings
{
    /// <summary>Maximum idle time advertised to the peer; a silent peer is dropped after this.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Interval of keep-alive PINGs while the connection is otherwise idle; zero disables them.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Concurrent bidirectional streams the peer may open.</summary>
    public int MaxBidirectionalStreams { get; set; } = 1024;

    /// <summary>Concurrent unidirectional streams the peer may open.</summary>
    public int MaxUnidirectionalStreams { get; set; } = 256;

    /// <summary>
    /// Largest receive flow-control window of one stream (bytes the peer may send before we consume them). Each stream
    /// starts at <see cref="InitialStreamReceiveWindow"/> and grows towards this only while its reader keeps up, so a
    /// stalled stream holds little and a fast one still reaches its bandwidth-delay product.
    /// </summary>
    public long StreamReceiveWindow { get; set; } = 16L * 1024 * 1024;

    /// <summary>Receive window a stream starts with (capped at <see cref="StreamReceiveWindow"/>).</summary>
    public long InitialStreamReceiveWindow { get; set; } = 256 * 1024;

    /// <summary>Receive flow-control window of the whole connection.</summary>
    public long ConnectionReceiveWindow { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest DATAGRAM frame the peer may send (RFC 9221); 0 disables datagrams.</summary>
    public int MaxDatagramFrameSize { get; set; } = 65535;

    /// <summary>Datagrams queued for sending per connection; beyond this <see cref="QuicConnection.TrySendDatagram"/> drops.</summary>
    public int DatagramSendQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Unacknowledged plus unsent bytes a stream's output may hold before <c>FlushAsync</c> waits (backpressure).
    /// Worst-case send memory is this times the number of open streams.
    /// </summary>
    public long StreamSendBufferLimit { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// Bytes of a stream's output not yet sent (held back by the peer's flow control or congestion control) before
    /// <c>FlushAsync</c> waits, at most <see cref="StreamSendBufferLimit"/>. Unacknowledged bytes in flight need the
    /// larger limit to keep a fast path busy; unsent bytes need little. A spliced stream whose output the peer's flow
    /// control holds back (its application does not read) keeps 32 KiB at most: what that application has not read yet
    /// sits in its own window, so a receiver that stops reading pins little of the relay's memory.
    /// </summary>
    public long StreamSendUnsentLimit { get; set; } = 256 * 1024;

    /// <summary>Bytes held for peers, shared with every connection given the same instance (see <see cref="QuicMemoryBudget"/>).</summary>
    public QuicMemoryBudget MemoryBudget { get; set; } = new(long.MaxValue);

    /// <summary>Time allowed for the handshake before the attempt fails.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepAliveInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxBidirectionalStreams);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxUnidirectionalStreams);
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamReceiveWindow, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialStreamReceiveWindow, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectionReceiveWindow, 1024);
        ArgumentNullException.ThrowIfNull(MemoryBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDatagramFrameSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(DatagramSendQueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamSendBufferLimit, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(StreamSendUnsentLimit, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero);
    }
}
