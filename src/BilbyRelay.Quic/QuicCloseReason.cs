namespace BilbyRelay.Quic;

/// <summary>Why a connection ended.</summary>
public enum QuicCloseReason
{
    /// <summary>This side called Close/DisposeAsync.</summary>
    LocalClose,

    /// <summary>The peer sent CONNECTION_CLOSE (an application close, or a transport close with NO_ERROR).</summary>
    PeerClose,

    /// <summary>Nothing was heard from the peer for the idle timeout.</summary>
    IdleTimeout,

    /// <summary>The TLS/QUIC handshake did not complete (ALPN mismatch, rejected certificate, timeout, refused).</summary>
    HandshakeFailure,

    /// <summary>The peer sent a stateless reset: it lost the connection state.</summary>
    StatelessReset,

    /// <summary>A protocol violation detected by either side after the handshake.</summary>
    TransportError,

    /// <summary>The listener or endpoint owning the connection shut down.</summary>
    EndpointShutdown,
}

/// <summary>How a connection ended. Error codes are null when the close carried none of that kind.</summary>
public sealed record QuicConnectionCloseInfo(
    QuicCloseReason Reason,
    long? ApplicationErrorCode,
    long? TransportErrorCode,
    string? ReasonPhrase);
