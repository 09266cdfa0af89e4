using System.Text;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Owns one gnutls_certificate_credentials_t. Server credentials are shared by every connection of a listener and
/// freed after all its endpoints stopped; client credentials belong to one connection. Freed exactly once.
/// </summary>
internal sealed unsafe class TlsCredentials : IDisposable
{
    private void* _credentials;

    private TlsCredentials(void* credentials)
    {
        _credentials = credentials;
    }

    internal void* Handle => _credentials != null ? _credentials : throw new ObjectDisposedException(nameof(TlsCredentials));

    internal static TlsCredentials CreateServer(string certificatePem, string privateKeyPem)
    {
        var credentials = Allocate();
        try
        {
            var cert = Encoding.UTF8.GetBytes(certificatePem);
            var key = Encoding.UTF8.GetBytes(privateKeyPem);
            fixed (byte* certPtr = cert)
            fixed (byte* keyPtr = key)
            {
                var certDatum = new gnutls_datum_t { data = certPtr, size = (uint)cert.Length };
                var keyDatum = new gnutls_datum_t { data = keyPtr, size = (uint)key.Length };
                NativeErrors.ThrowIfGnuTlsFailed(
                    GnuTls.gnutls_certificate_set_x509_key_mem(credentials.Handle, &certDatum, &keyDatum, GnuTls.GNUTLS_X509_FMT_PEM),
                    "Loading the server certificate and key");
            }

            return credentials;
        }
        catch
        {
            credentials.Dispose();
            throw;
        }
    }

    internal static TlsCredentials CreateClient(string? trustedCaPem)
    {
        var credentials = Allocate();
        try
        {
            if (trustedCaPem is not null)
            {
                var ca = Encoding.UTF8.GetBytes(trustedCaPem);
                fixed (byte* caPtr = ca)
                {
                    var datum = new gnutls_datum_t { data = caPtr, size = (uint)ca.Length };
                    var loaded = GnuTls.gnutls_certificate_set_x509_trust_mem(credentials.Handle, &datum, GnuTls.GNUTLS_X509_FMT_PEM);
                    NativeErrors.ThrowIfGnuTlsFailed(loaded, "Loading the trusted CA certificates");
                    if (loaded == 0)
                    {
                        throw new ArgumentException("TrustedCaPem contains no certificate.");
                    }
                }
            }

            return credentials;
        }
        catch
        {
            credentials.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_credentials != null)
        {
            GnuTls.gnutls_certificate_free_credentials(_credentials);
            _credentials = null;
            NativeResourceCounters.CredentialsFreed();
        }
    }

    private static TlsCredentials Allocate()
    {
        void* credentials;
        NativeErrors.ThrowIfGnuTlsFailed(GnuTls.gnutls_certificate_allocate_credentials(&credentials), "gnutls_certificate_allocate_credentials");
        NativeResourceCounters.CredentialsCreated();
        return new TlsCredentials(credentials);
    }
}
