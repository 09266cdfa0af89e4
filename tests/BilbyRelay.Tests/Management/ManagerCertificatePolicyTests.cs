using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BilbyRelay.Config;
using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerCertificatePolicyTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;
    private static readonly Func<string, string?> InsecureAllowed = name => name == "BILBYCAST_ALLOW_INSECURE" ? "1" : null;

    private static ManagerOptions Options(bool acceptSelfSigned = false, string? fingerprint = null) => new()
    {
        Urls = [new Uri("wss://m.example/ws")],
        RegistrationToken = "t",
        SoftwareVersion = "1",
        AcceptSelfSignedCert = acceptSelfSigned,
        CertFingerprint = fingerprint,
    };

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=manager.test", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("true")]
    public void Validate_SelfSignedWithoutEnvironmentFlag_VerifiesAsUsual_AndNamesTheVariableWhenItCannot(string? flag)
    {
        using var certificate = CreateCertificate();
        var policy = ManagerCertificatePolicy.Create(Options(acceptSelfSigned: true), name => name == "BILBYCAST_ALLOW_INSECURE" ? flag : null);

        // A certificate the system trusts is accepted: the missing opt-in only matters for one it cannot verify.
        Assert.True(policy.Validate(certificate.RawData, chainProblem: null));
        Assert.Null(policy.Rejection);

        Assert.False(policy.Validate(certificate.RawData, "not signed by a trusted authority"));
        Assert.StartsWith("accept_self_signed_cert requires BILBYCAST_ALLOW_INSECURE=1 in the environment", policy.Rejection, StringComparison.Ordinal);
        Assert.Contains("not signed by a trusted authority", policy.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SelfSignedWithEnvironmentFlag_AcceptsUntrustedCertificate()
    {
        using var certificate = CreateCertificate();
        var policy = ManagerCertificatePolicy.Create(Options(acceptSelfSigned: true), InsecureAllowed);

        Assert.True(policy.Validate(certificate.RawData, "not signed by a trusted authority, issued for another host name"));
    }

    [Fact]
    public void Validate_Default_RequiresSystemTrust()
    {
        using var certificate = CreateCertificate();
        var policy = ManagerCertificatePolicy.Create(Options(), NoEnvironment);

        Assert.True(policy.Validate(certificate.RawData, chainProblem: null));
        Assert.False(policy.Validate(certificate.RawData, "not signed by a trusted authority"));
        Assert.Contains("not trusted", policy.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Fingerprint_PinsTheExactCertificate()
    {
        using var pinned = CreateCertificate();
        using var other = CreateCertificate();
        var fingerprint = CertificateFingerprint.Sha256(pinned.RawData).ToUpperInvariant();
        var policy = ManagerCertificatePolicy.Create(Options(fingerprint: fingerprint), NoEnvironment);

        Assert.True(policy.Validate(pinned.RawData, "not signed by a trusted authority"));
        Assert.False(policy.Validate(other.RawData, chainProblem: null));
        Assert.StartsWith("certificate fingerprint mismatch", policy.Rejection, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, null, null, true)]
    [InlineData(true, null, null, true)]
    [InlineData(true, "1", null, false)]
    [InlineData(false, null, "pinned", false)]
    public void NeedsChainVerification_OnlyWhenNeitherPinnedNorInsecure(bool acceptSelfSigned, string? flag, string? pin, bool expected)
    {
        var fingerprint = pin is null ? null : string.Join(':', Enumerable.Repeat("ab", 32));
        var policy = ManagerCertificatePolicy.Create(Options(acceptSelfSigned, fingerprint), name => name == "BILBYCAST_ALLOW_INSECURE" ? flag : null);

        Assert.Equal(expected, policy.NeedsChainVerification);
    }

    [Fact]
    public void Validate_Fingerprint_WithoutACertificate_Refuses()
    {
        var policy = ManagerCertificatePolicy.Create(Options(fingerprint: string.Join(':', Enumerable.Repeat("ab", 32))), NoEnvironment);

        Assert.False(policy.Validate(null, chainProblem: null));
        Assert.Equal("the manager presented no certificate", policy.Rejection);
    }

    [Fact]
    public void Sha256_FormatsLowercaseColonSeparatedPairs()
    {
        using var certificate = CreateCertificate();

        var fingerprint = CertificateFingerprint.Sha256(certificate.RawData);

        Assert.True(CertificateFingerprint.IsWellFormed(fingerprint));
        Assert.Equal(fingerprint.ToLowerInvariant(), fingerprint);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)), fingerprint.Replace(":", string.Empty, StringComparison.Ordinal));
    }
}
