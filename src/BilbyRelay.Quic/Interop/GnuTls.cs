using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>The GnuTLS entry points the engine uses (gnutls/gnutls.h, 3.7).</summary>
internal static unsafe partial class GnuTls
{
    internal const string Library = "gnutls";

    internal const uint GNUTLS_SERVER = 1;
    internal const uint GNUTLS_CLIENT = 1 << 1;
    internal const uint GNUTLS_ENABLE_EARLY_DATA = 1 << 20;
    internal const uint GNUTLS_NO_END_OF_EARLY_DATA = 1 << 22;
    internal const uint GNUTLS_ALPN_MANDATORY = 1;
    internal const int GNUTLS_X509_FMT_PEM = 1;
    internal const int GNUTLS_CRD_CERTIFICATE = 1;
    internal const int GNUTLS_NAME_DNS = 1;

    [LibraryImport(Library)]
    internal static partial byte* gnutls_check_version(byte* req_version);

    [LibraryImport(Library)]
    internal static partial byte* gnutls_strerror(int error);

    [LibraryImport(Library)]
    internal static partial int gnutls_init(void** session, uint flags);

    [LibraryImport(Library)]
    internal static partial void gnutls_deinit(void* session);

    [LibraryImport(Library)]
    internal static partial int gnutls_priority_set_direct(void* session, byte* priorities, byte** err_pos);

    [LibraryImport(Library)]
    internal static partial int gnutls_credentials_set(void* session, int type, void* cred);

    [LibraryImport(Library)]
    internal static partial int gnutls_certificate_allocate_credentials(void** res);

    [LibraryImport(Library)]
    internal static partial void gnutls_certificate_free_credentials(void* sc);

    [LibraryImport(Library)]
    internal static partial int gnutls_certificate_set_x509_key_mem(void* res, gnutls_datum_t* cert, gnutls_datum_t* key, int type);

    [LibraryImport(Library)]
    internal static partial int gnutls_certificate_set_x509_trust_mem(void* res, gnutls_datum_t* ca, int type);

    [LibraryImport(Library)]
    internal static partial int gnutls_alpn_set_protocols(void* session, gnutls_datum_t* protocols, uint protocols_size, uint flags);

    [LibraryImport(Library)]
    internal static partial int gnutls_alpn_get_selected_protocol(void* session, gnutls_datum_t* protocol);

    [LibraryImport(Library)]
    internal static partial int gnutls_server_name_set(void* session, int type, byte* name, nuint name_length);

    [LibraryImport(Library)]
    internal static partial void gnutls_session_set_ptr(void* session, void* ptr);

    [LibraryImport(Library)]
    internal static partial void* gnutls_session_get_ptr(void* session);

    [LibraryImport(Library)]
    internal static partial void gnutls_session_set_verify_function(void* session, delegate* unmanaged[Cdecl]<void*, int> func);

    [LibraryImport(Library)]
    internal static partial gnutls_datum_t* gnutls_certificate_get_peers(void* session, uint* list_size);

    [LibraryImport(Library)]
    internal static partial int gnutls_certificate_verify_peers3(void* session, byte* hostname, uint* status);

    [LibraryImport(Library)]
    internal static partial int gnutls_certificate_set_x509_system_trust(void* cred);
}
