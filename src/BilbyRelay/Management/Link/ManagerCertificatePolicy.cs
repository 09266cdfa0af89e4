using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using BilbyRelay.Config;

namespace BilbyRelay.Management;

/// <summary>
/// How one connection attempt judges the manager's TLS certificate:
/// <list type="number">
/// <item><c>cert_fingerprint</c> set → the leaf's SHA-256 must match; on a match the certificate is
/// accepted even if self-signed (the pin is the trust anchor); a mismatch aborts.</item>
/// <item><c>accept_self_signed_cert</c> → any certificate, but only with BILBYCAST_ALLOW_INSECURE=1 in
/// the environment; without it <see cref="Create"/> refuses before any connection is made.</item>
/// <item>otherwise → the system CA store and host name check (no policy errors allowed).</item>
/// </list>
/// One instance per attempt: <see cref="Rejection"/> explains a refusal to the caller.
/// </summary>
internal sealed class ManagerCertificatePolicy
{
    public const string InsecureEnvironmentVariable = "BILBYCAST_ALLOW_INSECURE";

    public const string InsecureRefusedMessage =
        "accept_self_signed_cert requires BILBYCAST_ALLOW_INSECURE=1 in the environment";

    private readonly string? _fingerprint;
    private readonly bool _acceptAny;

    private ManagerCertificatePolicy(string? fingerprint, bool acceptAny)
    {
        _fingerprint = fingerprint;
        _acceptAny = acceptAny;
    }

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? Rejection { get; private set; }

    /// <summary>True when the default system validation applies (no callback needed).</summary>
    public bool UsesSystemValidation => _fingerprint is null && !_acceptAny;

    /// <summary>Why no attempt can be made with these options in this environment, or null when attempts may proceed.</summary>
    public static string? StandingRefusal(ManagerOptions options, Func<string, string?> environment) =>
        options.CertFingerprint is null && options.AcceptSelfSignedCert && environment(InsecureEnvironmentVariable) != "1"
            ? InsecureRefusedMessage
            : null;

    /// <summary>Builds the policy; throws <see cref="ManagerConnectException"/> for an unpermitted insecure setting.</summary>
    public static ManagerCertificatePolicy Create(ManagerOptions options, Func<string, string?> environment)
    {
        if (StandingRefusal(options, environment) is { } refusal)
        {
            throw new ManagerConnectException(refusal);
        }

        return new ManagerCertificatePolicy(options.CertFingerprint, options.AcceptSelfSignedCert && environment(InsecureEnvironmentVariable) == "1");
    }

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_fingerprint is not null)
        {
            if (certificate is null)
            {
                Rejection = "the manager presented no certificate";
                return false;
            }

            var actual = CertificateFingerprint.Sha256(certificate);
            if (!CertificateFingerprint.Matches(_fingerprint, actual))
            {
                Rejection = $"certificate fingerprint mismatch (expected {_fingerprint.ToLowerInvariant()}, got {actual})";
                return false;
            }

            return true;
        }

        if (_acceptAny)
        {
            return true;
        }

        if (errors != SslPolicyErrors.None)
        {
            Rejection = $"certificate not trusted ({errors})";
            return false;
        }

        return true;
    }
}
