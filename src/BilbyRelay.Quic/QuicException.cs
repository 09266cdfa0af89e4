namespace BilbyRelay.Quic;

/// <summary>What went wrong, independent of the native error code.</summary>
public enum QuicError
{
    InternalError,
    ConnectionClosed,
    ConnectionTimeout,
    ConnectionIdle,
    ConnectionRefused,
    HandshakeFailed,
    AlpnMismatch,
    CertificateRejected,
    StreamLimitReached,
    TransportError,
    AddressInUse,
    OperationAborted,
}

/// <summary>A connection-level failure. Stream-level aborts use <see cref="QuicStreamAbortedException"/>.</summary>
public class QuicException : IOException
{
    public QuicException(QuicError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public QuicException()
        : this(QuicError.InternalError, "QUIC error")
    {
    }

    public QuicException(string message)
        : this(QuicError.InternalError, message)
    {
    }

    public QuicException(string message, Exception innerException)
        : this(QuicError.InternalError, message, innerException)
    {
    }

    public QuicError Error { get; }

    /// <summary>Application error code of the CONNECTION_CLOSE that ended the connection, if any.</summary>
    public long? ApplicationErrorCode { get; init; }

    /// <summary>QUIC transport error code (RFC 9000 §20.1; 0x100+alert for TLS), if any.</summary>
    public long? TransportErrorCode { get; init; }

    /// <summary>The ngtcp2 or GnuTLS error code behind this exception, if one.</summary>
    public int? NativeErrorCode { get; init; }

    /// <summary>How the connection ended, when this exception reports a closed connection.</summary>
    public QuicConnectionCloseInfo? CloseInfo { get; init; }
}
