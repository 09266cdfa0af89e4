using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BilbyRelay.Quic.Native;
using Xunit;

namespace BilbyRelay.Quic.Tests.Certificates;

/// <summary>
/// The certificate GnuTLS makes at start-up, read back with an independent X.509 parser: the properties edges and
/// operators rely on, and fingerprints that are SHA-256 of the DER.
/// </summary>
public sealed class ServerCertificateTests
{
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string P256CurveOid = "1.2.840.10045.3.1.7";
    private const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(5);

    [Fact]
    public void CreateSelfSigned_IsAnEcdsaP256LeafForTheRelayNames()
    {
        var before = DateTimeOffset.UtcNow;
        var created = ServerCertificate.CreateSelfSigned();
        using var certificate = X509Certificate2.CreateFromPem(created.CertificatePem);

        Assert.Equal(EcPublicKeyOid, certificate.PublicKey.Oid.Value);
        using (var publicKey = certificate.GetECDsaPublicKey())
        {
            Assert.NotNull(publicKey);
            Assert.Equal(P256CurveOid, publicKey.ExportParameters(includePrivateParameters: false).Curve.Oid.Value);
        }

        // GnuTLS refuses a key that does not belong to the certificate (GNUTLS_E_CERTIFICATE_KEY_MISMATCH).
        TlsCredentials.CreateServer(created.CertificatePem, created.PrivateKeyPem).Dispose();
        Assert.Equal(EcdsaWithSha256Oid, certificate.SignatureAlgorithm.Value);
        Assert.Equal("CN=bilbycast-relay", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal(3, certificate.Version);
        Assert.Equal(["localhost", "bilbycast-relay"], Extension<X509SubjectAlternativeNameExtension>(certificate).EnumerateDnsNames());

        var constraints = Extension<X509BasicConstraintsExtension>(certificate);
        Assert.False(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        Assert.Equal([ServerAuthOid], Extension<X509EnhancedKeyUsageExtension>(certificate).EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));

        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        Assert.InRange(notBefore, before.AddDays(-1) - ClockTolerance, before.AddDays(-1) + ClockTolerance);
        Assert.InRange(notAfter, before.AddYears(10) - ClockTolerance, before.AddYears(10) + ClockTolerance);

        Assert.True(certificate.SerialNumberBytes.Span[0] is > 0 and < 0x80, $"serial {certificate.SerialNumber}: RFC 5280 wants a positive, minimally encoded integer");
        using var chain = new X509Chain { ChainPolicy = { RevocationMode = X509RevocationMode.NoCheck, TrustMode = X509ChainTrustMode.CustomRootTrust } };
        chain.ChainPolicy.CustomTrustStore.Add(certificate);
        Assert.True(chain.Build(certificate), "the self-signature does not verify: " + string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void CreateSelfSigned_FingerprintIsSha256OfTheDer()
    {
        var created = ServerCertificate.CreateSelfSigned();
        using var certificate = X509Certificate2.CreateFromPem(created.CertificatePem);

        Assert.Equal(ColonHex(SHA256.HashData(certificate.RawData)), created.Sha256Fingerprint);
    }

    [Fact]
    public void CreateSelfSigned_TwiceGivesDifferentKeysAndSerials()
    {
        using var first = X509Certificate2.CreateFromPem(ServerCertificate.CreateSelfSigned().CertificatePem);
        using var second = X509Certificate2.CreateFromPem(ServerCertificate.CreateSelfSigned().CertificatePem);

        Assert.NotEqual(first.SerialNumber, second.SerialNumber);
        Assert.NotEqual(first.PublicKey.EncodedKeyValue.RawData, second.PublicKey.EncodedKeyValue.RawData);
    }

    [Fact]
    public void FromOptions_WithPemFromConfig_FingerprintIsSha256OfTheFirstCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=configured", key, HashAlgorithmName.SHA256);
        using var configured = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var certificate = ServerCertificate.FromOptions(new QuicServerOptions
        {
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Alpn = QuicTestEnvironment.Alpn,
            CertificatePem = configured.ExportCertificatePem(),
            PrivateKeyPem = key.ExportPkcs8PrivateKeyPem(),
        });

        Assert.Equal(ColonHex(SHA256.HashData(configured.RawData)), certificate.Sha256Fingerprint);
    }

    private static T Extension<T>(X509Certificate2 certificate)
        where T : X509Extension =>
        Assert.Single(certificate.Extensions.OfType<T>());

    private static string ColonHex(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
