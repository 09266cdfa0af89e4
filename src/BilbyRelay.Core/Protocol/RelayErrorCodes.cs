namespace BilbyRelay.Core.Protocol;

/// <summary>
/// QUIC application error codes the relay uses when it closes a connection or aborts a stream.
/// Edges only log them; the values are stable so operators can match them in edge logs.
/// </summary>
public static class RelayErrorCodes
{
    /// <summary>Normal close (relay shutdown, manager disconnect).</summary>
    public const long NoError = 0;

    /// <summary>The control stream broke the framing rules (oversized frame, truncated frame).</summary>
    public const long ControlStreamError = 1;

    /// <summary>Connection refused by the per-IP connection cap.</summary>
    public const long ConnectionLimitExceeded = 2;

    /// <summary>Closed by the manager or the REST API (disconnect_edge).</summary>
    public const long DisconnectedByOperator = 3;

    /// <summary>The edge does not read its notifications and its queue overflowed.</summary>
    public const long NotificationOverflow = 4;

    /// <summary>A data stream was refused: bad or oversized header, unknown tunnel, no peer, not a member.</summary>
    public const long StreamRefused = 0x10;

    /// <summary>The other side of a spliced data stream was reset or lost.</summary>
    public const long StreamPeerAborted = 0x11;
}
