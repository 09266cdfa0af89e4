using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>The one place where ngtcp2 and GnuTLS error codes become messages and exceptions.</summary>
internal static unsafe class NativeErrors
{
    /// <summary>TLS alert no_application_protocol (RFC 7301): the ALPN offers did not match.</summary>
    internal const byte TlsAlertNoApplicationProtocol = 120;

    /// <summary>QUIC transport error CONNECTION_REFUSED.</summary>
    internal const ulong TransportConnectionRefused = 0x2;

    /// <summary>QUIC transport error INVALID_TOKEN: an Initial carried a Retry token that did not verify.</summary>
    internal const ulong TransportInvalidToken = 0xb;

    /// <summary>QUIC transport error range for TLS alerts: 0x100 + alert.</summary>
    internal const long CryptoErrorBase = 0x100;

    internal static string Ngtcp2Message(int code) =>
        Marshal.PtrToStringUTF8((nint)Ngtcp2.ngtcp2_strerror(code)) ?? $"ngtcp2 error {code}";

    internal static string GnuTlsMessage(int code) =>
        Marshal.PtrToStringUTF8((nint)GnuTls.gnutls_strerror(code)) ?? $"GnuTLS error {code}";

    internal static QuicException Ngtcp2Failure(string operation, int code) =>
        new(QuicError.InternalError, $"{operation} failed: {Ngtcp2Message(code)} ({code})") { NativeErrorCode = code };

    internal static QuicException GnuTlsFailure(string operation, int code) =>
        new(QuicError.InternalError, $"{operation} failed: {GnuTlsMessage(code)} ({code})") { NativeErrorCode = code };

    internal static void ThrowIfNgtcp2Failed(int code, string operation)
    {
        if (code < 0)
        {
            throw Ngtcp2Failure(operation, code);
        }
    }

    internal static void ThrowIfGnuTlsFailed(int code, string operation)
    {
        if (code < 0)
        {
            throw GnuTlsFailure(operation, code);
        }
    }

    internal static string TlsAlertName(long alert) => alert switch
    {
        40 => "handshake_failure",
        42 => "bad_certificate",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        48 => "unknown_ca",
        80 => "internal_error",
        109 => "missing_extension",
        120 => "no_application_protocol",
        _ => "alert",
    };

    /// <summary>
    /// What a failed certificate verification found, in words ("not signed by a trusted authority, issued for
    /// another host name"), from the status bits of <c>gnutls_certificate_verify_peers3</c>.
    /// </summary>
    internal static string CertificateStatusText(uint status)
    {
        var found = s_certificateStatusTexts.Where(k => (status & k.Bit) != 0).Select(k => k.Text).ToList();
        var unnamed = status & ~s_certificateStatusTexts.Aggregate(GnuTls.GNUTLS_CERT_INVALID, (all, k) => all | k.Bit);
        if (found.Count == 0 || unnamed != 0)
        {
            found.Add($"GnuTLS status 0x{status:x}");
        }

        return string.Join(", ", found);
    }

    private static readonly (uint Bit, string Text)[] s_certificateStatusTexts =
        [
            (GnuTls.GNUTLS_CERT_SIGNER_NOT_FOUND, "not signed by a trusted authority"),
            (GnuTls.GNUTLS_CERT_SIGNER_NOT_CA, "signed by a certificate that is not a CA"),
            (GnuTls.GNUTLS_CERT_UNEXPECTED_OWNER, "issued for another host name"),
            (GnuTls.GNUTLS_CERT_EXPIRED, "expired"),
            (GnuTls.GNUTLS_CERT_NOT_ACTIVATED, "not yet valid"),
            (GnuTls.GNUTLS_CERT_REVOKED, "revoked"),
            (GnuTls.GNUTLS_CERT_INSECURE_ALGORITHM, "signed with an insecure algorithm"),
            (GnuTls.GNUTLS_CERT_SIGNATURE_FAILURE, "its signature does not verify"),
            (GnuTls.GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "outside its issuer's constraints"),
            (GnuTls.GNUTLS_CERT_PURPOSE_MISMATCH, "not for TLS servers"),
        ];

    /// <summary>The exception reported to users of a connection that ended, chosen from how it ended.</summary>
    internal static QuicException ConnectionEnded(QuicConnectionCloseInfo info, QuicError? overrideError = null, string? detail = null)
    {
        var error = overrideError ?? info.Reason switch
        {
            QuicCloseReason.IdleTimeout => QuicError.ConnectionIdle,
            QuicCloseReason.HandshakeFailure => QuicError.HandshakeFailed,
            QuicCloseReason.TransportError => QuicError.TransportError,
            _ => QuicError.ConnectionClosed,
        };
        var message = detail ?? Describe(info);
        return new QuicException(error, message)
        {
            ApplicationErrorCode = info.ApplicationErrorCode,
            TransportErrorCode = info.TransportErrorCode,
            CloseInfo = info,
        };
    }

    internal static string Describe(QuicConnectionCloseInfo info)
    {
        var text = info.Reason switch
        {
            QuicCloseReason.LocalClose => "The connection was closed locally",
            QuicCloseReason.PeerClose => "The peer closed the connection",
            QuicCloseReason.IdleTimeout => "The connection timed out (no packets from the peer within the idle timeout)",
            QuicCloseReason.HandshakeFailure => "The QUIC handshake failed",
            QuicCloseReason.StatelessReset => "The peer reset the connection (stateless reset)",
            QuicCloseReason.TransportError => "The connection failed with a transport error",
            _ => "The endpoint shut down",
        };
        if (info.TransportErrorCode is { } transport)
        {
            text += transport >= CryptoErrorBase && transport < CryptoErrorBase + 256
                ? $"; TLS alert {transport - CryptoErrorBase} ({TlsAlertName(transport - CryptoErrorBase)})"
                : $"; transport error 0x{transport:x}";
        }

        if (info.ApplicationErrorCode is { } app)
        {
            text += $"; application error {app}";
        }

        if (!string.IsNullOrEmpty(info.ReasonPhrase))
        {
            text += $": {info.ReasonPhrase}";
        }

        return text + ".";
    }
}
