namespace BilbyRelay.Quic;

/// <summary>How a stream direction was aborted.</summary>
public enum QuicStreamAbortKind
{
    /// <summary>RESET_STREAM: the sender abandoned its data.</summary>
    Reset,

    /// <summary>STOP_SENDING: the receiver no longer wants data.</summary>
    StopSending,

    /// <summary>The connection ended before the stream finished.</summary>
    ConnectionClosed,
}

/// <summary>
/// Thrown from <c>QuicStream.Input</c> reads after RESET_STREAM, from <c>QuicStream.Output</c> writes/flushes after
/// STOP_SENDING, and from both after the connection ends.
/// </summary>
public sealed class QuicStreamAbortedException : IOException
{
    public QuicStreamAbortedException(long applicationErrorCode, bool byPeer, QuicStreamAbortKind kind, string? message = null)
        : base(message ?? Describe(applicationErrorCode, byPeer, kind))
    {
        ApplicationErrorCode = applicationErrorCode;
        ByPeer = byPeer;
        Kind = kind;
    }

    public QuicStreamAbortedException()
        : this(0, byPeer: false, QuicStreamAbortKind.Reset)
    {
    }

    public QuicStreamAbortedException(string message)
        : this(0, byPeer: false, QuicStreamAbortKind.Reset, message)
    {
    }

    public QuicStreamAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = QuicStreamAbortKind.ConnectionClosed;
    }

    public long ApplicationErrorCode { get; }

    public bool ByPeer { get; }

    public QuicStreamAbortKind Kind { get; }

    private static string Describe(long code, bool byPeer, QuicStreamAbortKind kind) => kind switch
    {
        QuicStreamAbortKind.Reset => $"Stream reset {(byPeer ? "by the peer" : "locally")} with application error {code}.",
        QuicStreamAbortKind.StopSending => $"Stream stopped {(byPeer ? "by the peer" : "locally")} (STOP_SENDING) with application error {code}.",
        _ => "The connection ended before the stream finished.",
    };
}
