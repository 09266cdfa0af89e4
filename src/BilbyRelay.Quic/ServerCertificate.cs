using System.Security.Cryptography;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>The listener's certificate as PEM for GnuTLS, plus its SHA-256 fingerprint for operators and pinning.</summary>
/// <remarks>
/// Everything here goes through GnuTLS or managed code only (PEM is plain base64): making or fingerprinting the
/// certificate must not load OpenSSL, which the relay needs for nothing before its listeners are up.
/// </remarks>
internal sealed class ServerCertificate
{
    private static readonly string[] s_selfSignedDnsNames = ["localhost", "bilbycast-relay"];

    private ServerCertificate(string certificatePem, string privateKeyPem, string fingerprint)
    {
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
        Sha256Fingerprint = fingerprint;
    }

    internal string CertificatePem { get; }

    /// <summary>
    /// PKCS#8, for GnuTLS. A self-signed key is written by GnuTLS 3.7, which encodes the private scalar with a leading
    /// zero byte when its top bit is set: GnuTLS and OpenSSL read that, stricter parsers (.NET's) may not.
    /// </summary>
    internal string PrivateKeyPem { get; }

    /// <summary>SHA-256 of the leaf certificate's DER, lowercase hex pairs joined by ':'.</summary>
    internal string Sha256Fingerprint { get; }

    internal static ServerCertificate FromOptions(QuicServerOptions options)
    {
        if (options.CertificatePem is null != options.PrivateKeyPem is null)
        {
            throw new ArgumentException("CertificatePem and PrivateKeyPem must be given together (or both omitted for a self-signed certificate).");
        }

        if (options.CertificatePem is { } certPem && options.PrivateKeyPem is { } keyPem)
        {
            return new ServerCertificate(certPem, keyPem, Fingerprint(FirstCertificateDer(certPem)));
        }

        return CreateSelfSigned();
    }

    /// <summary>ECDSA P-256, SANs localhost and bilbycast-relay, serverAuth, not a CA, valid from one day ago for ten years.</summary>
    internal static ServerCertificate CreateSelfSigned(string commonName = "bilbycast-relay")
    {
        var now = DateTimeOffset.UtcNow;
        var (certificateDer, privateKeyDer) = SelfSignedCertificate.Create(commonName, s_selfSignedDnsNames, now.AddDays(-1), now.AddYears(10));
        return new ServerCertificate(
            PemEncoding.WriteString("CERTIFICATE", certificateDer),
            PemEncoding.WriteString("PRIVATE KEY", privateKeyDer),
            Fingerprint(certificateDer));
    }

    /// <summary>SHA-256 of a DER certificate in the form <see cref="Sha256Fingerprint"/> uses.</summary>
    internal static string Fingerprint(ReadOnlySpan<byte> certificateDer) => FormatFingerprint(Digest.Sha256(certificateDer));

    internal static string FormatFingerprint(ReadOnlySpan<byte> hash)
    {
        if (hash.IsEmpty)
        {
            return "";
        }

        var hex = Convert.ToHexStringLower(hash);
        return string.Create((hash.Length * 3) - 1, hex, static (text, hex) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                // Every third character separates two hex pairs.
                text[i] = i % 3 == 2 ? ':' : hex[i - (i / 3)];
            }
        });
    }

    internal static byte[] FirstCertificateDer(string pem)
    {
        var span = pem.AsSpan();
        while (PemEncoding.TryFind(span, out var fields))
        {
            if (span[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                return Convert.FromBase64String(span[fields.Base64Data].ToString());
            }

            span = span[fields.Location.End.Value..];
        }

        throw new ArgumentException("The certificate PEM contains no CERTIFICATE block.");
    }
}
