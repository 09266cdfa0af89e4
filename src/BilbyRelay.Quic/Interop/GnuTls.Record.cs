using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>GnuTLS over TCP: handshake, records and a caller-supplied transport (gnutls/gnutls.h, 3.7).</summary>
internal static unsafe partial class GnuTls
{
    internal const uint GNUTLS_NONBLOCK = 1 << 3;
    internal const int GNUTLS_SHUT_WR = 1;
    internal const int GNUTLS_DIG_SHA1 = 3;

    internal const int GNUTLS_E_FATAL_ALERT_RECEIVED = -12;
    internal const int GNUTLS_E_AGAIN = -28;
    internal const int GNUTLS_E_INTERRUPTED = -52;

    internal const uint GNUTLS_CERT_INVALID = 1 << 1;
    internal const uint GNUTLS_CERT_REVOKED = 1 << 5;
    internal const uint GNUTLS_CERT_SIGNER_NOT_FOUND = 1 << 6;
    internal const uint GNUTLS_CERT_SIGNER_NOT_CA = 1 << 7;
    internal const uint GNUTLS_CERT_INSECURE_ALGORITHM = 1 << 8;
    internal const uint GNUTLS_CERT_NOT_ACTIVATED = 1 << 9;
    internal const uint GNUTLS_CERT_EXPIRED = 1 << 10;
    internal const uint GNUTLS_CERT_SIGNATURE_FAILURE = 1 << 11;
    internal const uint GNUTLS_CERT_UNEXPECTED_OWNER = 1 << 14;
    internal const uint GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE = 1 << 16;
    internal const uint GNUTLS_CERT_PURPOSE_MISMATCH = 1 << 18;

    [LibraryImport(Library)]
    internal static partial int gnutls_set_default_priority(void* session);

    [LibraryImport(Library)]
    internal static partial void gnutls_transport_set_ptr(void* session, void* ptr);

    [LibraryImport(Library)]
    internal static partial void gnutls_transport_set_push_function(void* session, delegate* unmanaged[Cdecl]<void*, void*, nuint, nint> push_func);

    [LibraryImport(Library)]
    internal static partial void gnutls_transport_set_pull_function(void* session, delegate* unmanaged[Cdecl]<void*, void*, nuint, nint> pull_func);

    [LibraryImport(Library)]
    internal static partial void gnutls_transport_set_pull_timeout_function(void* session, delegate* unmanaged[Cdecl]<void*, uint, int> func);

    [LibraryImport(Library)]
    internal static partial void gnutls_transport_set_errno(void* session, int err);

    [LibraryImport(Library)]
    internal static partial int gnutls_handshake(void* session);

    [LibraryImport(Library)]
    internal static partial nint gnutls_record_send(void* session, void* data, nuint data_size);

    [LibraryImport(Library)]
    internal static partial nint gnutls_record_recv(void* session, void* data, nuint data_size);

    [LibraryImport(Library)]
    internal static partial int gnutls_error_is_fatal(int error);

    [LibraryImport(Library)]
    internal static partial int gnutls_alert_get(void* session);

    [LibraryImport(Library)]
    internal static partial byte* gnutls_alert_get_name(int alert);
}
