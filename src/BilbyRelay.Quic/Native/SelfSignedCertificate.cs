using System.Text;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Makes an ECDSA P-256 server certificate signed by its own key, with GnuTLS: the library the handshake needs
/// anyway, so start-up loads nothing else. Leaf certificate: X.509 v3, not a CA, extended key usage serverAuth.
/// </summary>
internal static unsafe class SelfSignedCertificate
{
    /// <summary>A DER certificate or PKCS#8 key for P-256 is a few hundred bytes; GnuTLS reports a larger need as an error.</summary>
    private const int ExportBufferLength = 4096;

    private const int SerialLength = 16;

    /// <returns>The certificate's DER and the private key's unencrypted PKCS#8 DER.</returns>
    internal static (byte[] CertificateDer, byte[] PrivateKeyDer) Create(string commonName, IReadOnlyList<string> dnsNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        void* key = null;
        void* crt = null;
        try
        {
            Check(GnuTls.gnutls_x509_privkey_init(&key), "gnutls_x509_privkey_init");
            Check(GnuTls.gnutls_x509_privkey_generate(key, GnuTls.GNUTLS_PK_ECDSA, GnuTls.GNUTLS_CURVE_TO_BITS(GnuTls.GNUTLS_ECC_CURVE_SECP256R1), 0), "Generating the P-256 key");
            Check(GnuTls.gnutls_x509_crt_init(&crt), "gnutls_x509_crt_init");
            Check(GnuTls.gnutls_x509_crt_set_version(crt, 3), "Setting the certificate version");
            SetSerial(crt);
            SetCommonName(crt, commonName);
            Check(GnuTls.gnutls_x509_crt_set_key(crt, key), "Setting the certificate key");
            Check(GnuTls.gnutls_x509_crt_set_activation_time(crt, notBefore.ToUnixTimeSeconds()), "Setting notBefore");
            Check(GnuTls.gnutls_x509_crt_set_expiration_time(crt, notAfter.ToUnixTimeSeconds()), "Setting notAfter");
            for (var i = 0; i < dnsNames.Count; i++)
            {
                AddDnsName(crt, dnsNames[i], i == 0 ? GnuTls.GNUTLS_FSAN_SET : GnuTls.GNUTLS_FSAN_APPEND);
            }

            // Basic constraints are written critical by GnuTLS: cA false, no path length.
            Check(GnuTls.gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "Setting basic constraints");
            fixed (byte* serverAuth = GnuTls.GNUTLS_KP_TLS_WWW_SERVER)
            {
                Check(GnuTls.gnutls_x509_crt_set_key_purpose_oid(crt, serverAuth, 0), "Setting the extended key usage");
            }

            Check(GnuTls.gnutls_x509_crt_sign2(crt, crt, key, GnuTls.GNUTLS_DIG_SHA256, 0), "Signing the certificate");
            return (ExportCertificate(crt), ExportPrivateKey(key));
        }
        finally
        {
            if (crt != null)
            {
                GnuTls.gnutls_x509_crt_deinit(crt);
            }

            if (key != null)
            {
                GnuTls.gnutls_x509_privkey_deinit(key);
            }
        }
    }

    private static void SetSerial(void* crt)
    {
        // RFC 5280 §4.1.2.2: a positive integer of at most 20 bytes. A clear top bit keeps it positive and a
        // non-zero first byte keeps the DER encoding minimal.
        var serial = stackalloc byte[SerialLength];
        CryptoRandom.Fill(new Span<byte>(serial, SerialLength));
        serial[0] = (byte)((serial[0] & 0x7f) | 0x40);
        Check(GnuTls.gnutls_x509_crt_set_serial(crt, serial, SerialLength), "Setting the serial number");
    }

    private static void SetCommonName(void* crt, string commonName)
    {
        var name = Encoding.UTF8.GetBytes(commonName);
        fixed (byte* oid = GnuTls.GNUTLS_OID_X520_COMMON_NAME)
        fixed (byte* value = name)
        {
            Check(GnuTls.gnutls_x509_crt_set_dn_by_oid(crt, oid, 0, value, (uint)name.Length), "Setting the subject");
        }
    }

    private static void AddDnsName(void* crt, string dnsName, uint flags)
    {
        var name = Encoding.ASCII.GetBytes(dnsName);
        fixed (byte* value = name)
        {
            Check(GnuTls.gnutls_x509_crt_set_subject_alt_name(crt, GnuTls.GNUTLS_SAN_DNSNAME, value, (uint)name.Length, flags), "Adding a subject alternative name");
        }
    }

    private static byte[] ExportCertificate(void* crt)
    {
        var buffer = stackalloc byte[ExportBufferLength];
        nuint length = ExportBufferLength;
        Check(GnuTls.gnutls_x509_crt_export(crt, GnuTls.GNUTLS_X509_FMT_DER, buffer, &length), "Exporting the certificate");
        return new ReadOnlySpan<byte>(buffer, (int)length).ToArray();
    }

    private static byte[] ExportPrivateKey(void* key)
    {
        var buffer = stackalloc byte[ExportBufferLength];
        nuint length = ExportBufferLength;
        Check(GnuTls.gnutls_x509_privkey_export_pkcs8(key, GnuTls.GNUTLS_X509_FMT_DER, null, GnuTls.GNUTLS_PKCS_PLAIN, buffer, &length), "Exporting the private key");
        return new ReadOnlySpan<byte>(buffer, (int)length).ToArray();
    }

    private static void Check(int code, string operation) => NativeErrors.ThrowIfGnuTlsFailed(code, operation);
}
