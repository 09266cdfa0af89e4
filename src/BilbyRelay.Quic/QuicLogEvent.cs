namespace BilbyRelay.Quic;

public enum QuicLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}

/// <summary>One diagnostic from the engine. <see cref="ConnectionId"/> is <see cref="QuicConnection.Id"/>, or 0 for endpoint-wide events.</summary>
public readonly record struct QuicLogEvent(QuicLogLevel Level, long ConnectionId, string Message);
