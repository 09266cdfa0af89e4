namespace BilbyRelay.Quic;

/// <summary>The loop's counters beyond packets and bytes, and the handshake outcomes behind two of them.</summary>
internal sealed partial class QuicEndpoint
{
    // Enough lines to see what is failing and from where; the count of the rest goes into the next line.
    private const int HandshakeFailureLinesPerSecond = 10;

    private readonly LogRateLimiter _handshakeFailureLog = new(HandshakeFailureLinesPerSecond, TimeSpan.FromSeconds(1), TimeProvider.System);
    private long _receiveErrors;
    private long _busyNanoseconds;
    private long _handshakesCompleted;
    private long _handshakesFailed;

    /// <summary>Thread-safe: each count is read on its own, so the set is not one instant (every count only grows).</summary>
    internal QuicLoopCounters ReadCounters() => new()
    {
        LocalEndPoint = LocalEndPoint,
        PacketsReceived = PacketsReceived,
        PacketsSent = PacketsSent,
        BytesReceived = BytesReceived,
        BytesSent = BytesSent,
        ReceiveErrors = Interlocked.Read(ref _receiveErrors),
        PacketsDropped = PacketsDropped,
        SendsDropped = SendsDropped,
        SendWaits = SendWaits,
        BusyTime = TimeSpan.FromTicks(Interlocked.Read(ref _busyNanoseconds) / 100),
        HandshakesCompleted = Interlocked.Read(ref _handshakesCompleted),
        HandshakesFailed = Interlocked.Read(ref _handshakesFailed),
        HandshakesRetried = Interlocked.Read(ref _handshakesRetried),
        HalfOpenConnections = HalfOpenConnections,
        HandshakesRefusedHalfOpenCap = Interlocked.Read(ref _refusedHalfOpenCap),
        HandshakesRefusedInvalidToken = Interlocked.Read(ref _refusedInvalidToken),
    };

    /// <summary>Loop thread: a server connection completed its handshake.</summary>
    internal void OnHandshakeCompleted() => Interlocked.Increment(ref _handshakesCompleted);

    /// <summary>Loop thread: a connection ended before its handshake completed; logged, at a bounded rate.</summary>
    internal void OnHandshakeFailed(QuicConnection connection, string reason)
    {
        Interlocked.Increment(ref _handshakesFailed);
        if (_handshakeFailureLog.TryAcquire(out var suppressed))
        {
            var more = suppressed == 0 ? "" : $" ({suppressed} more handshake failures not logged)";
            Emit(QuicLogLevel.Information, connection.Id, $"Handshake with {connection.RemoteEndPoint} failed: {reason}{more}");
        }
    }

    private void CountReceiveError() => Interlocked.Increment(ref _receiveErrors);

    /// <summary>Loop thread: adds the time since <paramref name="turnStart"/> (when the wait returned) to the busy time.</summary>
    private void CountBusyTime(ulong turnStart) => Interlocked.Add(ref _busyNanoseconds, (long)(MonotonicClock.NowNanoseconds - turnStart));
}
