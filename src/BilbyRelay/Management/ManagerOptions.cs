using System.Text;

namespace BilbyRelay.Management;

/// <summary>
/// Everything the manager link needs, already parsed from the <c>[manager]</c> table (PROTOCOL.md §3).
/// The host builds one from the config and checks it with <see cref="ManagerOptionsValidator"/>.
/// The timings default to the protocol's values; tests shorten them. <see cref="ToString"/> never
/// shows the secrets, so the options are safe to log.
/// </summary>
internal sealed record ManagerOptions
{
    public const int MaxUrls = 16;

    /// <summary>wss:// URLs tried in turn (round robin), 1 to <see cref="MaxUrls"/>.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>One-time token exchanged for <see cref="NodeId"/>/<see cref="NodeSecret"/> on first connect.</summary>
    public string? RegistrationToken { get; init; }

    public string? NodeId { get; init; }

    public string? NodeSecret { get; init; }

    /// <summary>Accept any server certificate. Honoured only when BILBYCAST_ALLOW_INSECURE=1 is set.</summary>
    public bool AcceptSelfSignedCert { get; init; }

    /// <summary>SHA-256 of the manager's DER certificate as hex pairs separated by ':' (compared case-insensitively).</summary>
    public string? CertFingerprint { get; init; }

    /// <summary>The relay's version, sent in <c>auth</c>.</summary>
    public required string SoftwareVersion { get; init; }

    /// <summary>TCP connect + TLS handshake + WebSocket upgrade must finish within this.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The manager must answer <c>auth</c> within this.</summary>
    public TimeSpan AuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause after a failed attempt or a lost connection before the next URL is tried.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan HealthInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A single WebSocket send that makes no progress for this long means the manager stopped reading:
    /// the connection is dropped and re-established rather than held half-dead forever.
    /// </summary>
    public TimeSpan SendStallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long queued events may take to reach the manager before the socket is closed.</summary>
    public TimeSpan ShutdownFlushTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>WebSocket ping interval, so a silently vanished manager is noticed by the TCP stack.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Largest message accepted from the manager; at the first byte beyond it the relay closes the link with 1009
    /// (message too big) and reconnects with backoff. Messages are handled one at a time, so this bounds what one
    /// manager connection can make the relay hold.
    /// </summary>
    public int MaxInboundMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Replies (pong, command_ack, config_response) waiting for the socket; when full, reading pauses.</summary>
    public int OutboundQueueCapacity { get; init; } = 64;

    private const string Redacted = "***REDACTED***";

    // Replaces the record's generated member list, which would print node_secret and the token.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Urls = [").AppendJoin(", ", Urls).Append(']');
        builder.Append(", NodeId = ").Append(NodeId ?? "(none)");
        builder.Append(", NodeSecret = ").Append(NodeSecret is null ? "(none)" : Redacted);
        builder.Append(", RegistrationToken = ").Append(RegistrationToken is null ? "(none)" : Redacted);
        builder.Append(", AcceptSelfSignedCert = ").Append(AcceptSelfSignedCert);
        builder.Append(", CertFingerprint = ").Append(CertFingerprint ?? "(none)");
        builder.Append(", SoftwareVersion = ").Append(SoftwareVersion);
        return true;
    }
}
