using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace BilbyRelay.Quic;

/// <summary>The listener's certificate as PEM for GnuTLS, plus its SHA-256 fingerprint for operators and pinning.</summary>
internal sealed class ServerCertificate
{
    private ServerCertificate(string certificatePem, string privateKeyPem, string fingerprint)
    {
        CertificatePem = certificatePem;
        PrivateKeyPem = privateKeyPem;
        Sha256Fingerprint = fingerprint;
    }

    internal string CertificatePem { get; }

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
            return new ServerCertificate(certPem, keyPem, FormatFingerprint(SHA256.HashData(FirstCertificateDer(certPem))));
        }

        return CreateSelfSigned();
    }

    /// <summary>ECDSA P-256, SANs localhost and bilbycast-relay, valid from one day ago for ten years.</summary>
    internal static ServerCertificate CreateSelfSigned(string commonName = "bilbycast-relay")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName("bilbycast-relay");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return new ServerCertificate(
            certificate.ExportCertificatePem(),
            key.ExportPkcs8PrivateKeyPem(),
            FormatFingerprint(SHA256.HashData(certificate.RawData)));
    }

    internal static string FormatFingerprint(ReadOnlySpan<byte> hash)
    {
        var hex = Convert.ToHexStringLower(hash);
        return string.Join(':', Enumerable.Range(0, hash.Length).Select(i => hex.Substring(i * 2, 2)));
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
