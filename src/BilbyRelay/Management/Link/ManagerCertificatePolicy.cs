using BilbyRelay.Config;

namespace BilbyRelay.Management;

/// <summary>
/// How one connection attempt judges the manager's TLS certificate:
/// <list type="number">
/// <item><c>cert_fingerprint</c> set → the leaf's SHA-256 must match; on a match the certificate is
/// accepted even if self-signed (the pin is the trust anchor); a mismatch aborts.</item>
/// <item><c>accept_self_signed_cert</c> with BILBYCAST_ALLOW_INSECURE=1 in the environment → any certificate.</item>
/// <item>otherwise → the system CA store and host name check (no policy errors allowed). With
/// <c>accept_self_signed_cert</c> but without the variable this still applies: a manager whose certificate verifies
/// is connected to as usual, and one whose certificate does not is refused with a reason naming the variable, so
/// the operator learns what the setting is missing.</item>
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
    private readonly bool _insecureNotAllowed;

    private ManagerCertificatePolicy(string? fingerprint, bool acceptAny, bool insecureNotAllowed)
    {
        _fingerprint = fingerprint;
        _acceptAny = acceptAny;
        _insecureNotAllowed = insecureNotAllowed;
    }

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? Rejection { get; private set; }

    public static ManagerCertificatePolicy Create(ManagerOptions options, Func<string, string?> environment)
    {
        var insecure = options.CertFingerprint is null && options.AcceptSelfSignedCert;
        var allowed = environment(InsecureEnvironmentVariable) == "1";
        return new ManagerCertificatePolicy(options.CertFingerprint, insecure && allowed, insecure && !allowed);
    }

    /// <summary>True when the verdict needs the chain checked against the system CAs and the host name.</summary>
    public bool NeedsChainVerification => _fingerprint is null && !_acceptAny;

    /// <summary>
    /// Judges the manager's leaf certificate (<paramref name="certificateDer"/>, null when it sent none), given
    /// <paramref name="chainProblem"/>: why the chain did not verify, or null when it did or was not checked.
    /// </summary>
    public bool Validate(byte[]? certificateDer, string? chainProblem)
    {
        if (_fingerprint is not null)
        {
            if (certificateDer is null)
            {
                Rejection = "the manager presented no certificate";
                return false;
            }

            var actual = CertificateFingerprint.Sha256(certificateDer);
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

        if (chainProblem is not null)
        {
            Rejection = _insecureNotAllowed
                ? $"{InsecureRefusedMessage}: the manager's certificate cannot be verified ({chainProblem})"
                : $"certificate not trusted ({chainProblem})";
            return false;
        }

        return true;
    }
}
