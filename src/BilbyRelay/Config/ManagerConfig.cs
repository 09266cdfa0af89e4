namespace BilbyRelay.Config;

/// <summary>The optional outbound link to the bilbycast manager (<c>[manager]</c> table).</summary>
public sealed class ManagerConfig
{
    public const int MaxUrls = 16;

    public bool Enabled { get; set; }

    /// <summary>wss:// URLs tried round robin. Validated: 1 to <see cref="MaxUrls"/> entries, all wss://.</summary>
    public IReadOnlyList<Uri> Urls { get; set; } = [];

    /// <summary>One-time token exchanged for <see cref="NodeId"/> and <see cref="NodeSecret"/> on first connect.</summary>
    public string? RegistrationToken { get; set; }

    public string? NodeId { get; set; }

    public string? NodeSecret { get; set; }

    /// <summary>
    /// Where <c>register_ack</c>/<c>rotate_secret</c> credentials are written instead of the config file (a packaged
    /// relay's config is read-only); when the file exists its node_id/node_secret override every other source.
    /// </summary>
    public string? CredentialsFile { get; set; }

    /// <summary>Honoured only when the environment has <c>BILBYCAST_ALLOW_INSECURE=1</c> (checked by the manager link on every attempt).</summary>
    public bool AcceptSelfSignedCert { get; set; }

    /// <summary>SHA-256 of the manager's DER certificate as lowercase hex pairs separated by ':', or null.</summary>
    public string? CertFingerprint { get; set; }
}
