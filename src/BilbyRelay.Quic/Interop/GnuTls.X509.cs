using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

#pragma warning disable IDE1006, CA1707, SA1300 // C names are kept on purpose.

/// <summary>
/// The GnuTLS X.509 entry points that make the self-signed server certificate (gnutls/x509.h, 3.7). Certificates
/// and keys are opaque handles (gnutls_x509_crt_t, gnutls_x509_privkey_t); time_t is 64-bit on the supported targets.
/// </summary>
internal static unsafe partial class GnuTls
{
    internal const int GNUTLS_X509_FMT_DER = 0;
    internal const int GNUTLS_PK_ECDSA = 4;
    internal const int GNUTLS_ECC_CURVE_SECP256R1 = 2;
    internal const int GNUTLS_SAN_DNSNAME = 1;
    internal const uint GNUTLS_FSAN_SET = 0;
    internal const uint GNUTLS_FSAN_APPEND = 1;
    internal const uint GNUTLS_PKCS_PLAIN = 1;
    internal const int GNUTLS_E_SHORT_MEMORY_BUFFER = -51;

    /// <summary>X.520 commonName.</summary>
    internal static ReadOnlySpan<byte> GNUTLS_OID_X520_COMMON_NAME => "2.5.4.3\0"u8;

    /// <summary>Extended key usage id-kp-serverAuth.</summary>
    internal static ReadOnlySpan<byte> GNUTLS_KP_TLS_WWW_SERVER => "1.3.6.1.5.5.7.3.1\0"u8;

    /// <summary>The bits argument of gnutls_x509_privkey_generate that selects an elliptic curve instead of a size.</summary>
    internal static uint GNUTLS_CURVE_TO_BITS(int curve) => (1u << 31) | (uint)curve;

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_privkey_init(void** key);

    [LibraryImport(Library)]
    internal static partial void gnutls_x509_privkey_deinit(void* key);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_privkey_generate(void* key, int algo, uint bits, uint flags);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_privkey_export_pkcs8(void* key, int format, byte* password, uint flags, void* output_data, nuint* output_data_size);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_init(void** cert);

    [LibraryImport(Library)]
    internal static partial void gnutls_x509_crt_deinit(void* cert);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_version(void* crt, uint version);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_serial(void* cert, void* serial, nuint serial_size);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_dn_by_oid(void* crt, byte* oid, uint raw_flag, void* name, uint sizeof_name);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_key(void* crt, void* key);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_activation_time(void* cert, long act_time);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_expiration_time(void* cert, long exp_time);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_subject_alt_name(void* crt, int type, void* data, uint data_size, uint flags);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_basic_constraints(void* crt, uint ca, int pathLenConstraint);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_set_key_purpose_oid(void* cert, void* oid, uint critical);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_sign2(void* crt, void* issuer, void* issuer_key, int dig, uint flags);

    [LibraryImport(Library)]
    internal static partial int gnutls_x509_crt_export(void* cert, int format, void* output_data, nuint* output_data_size);
}
