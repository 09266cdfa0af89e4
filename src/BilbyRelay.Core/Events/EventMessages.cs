using System.Globalization;
using System.Net;

namespace BilbyRelay.Core.Events;

/// <summary>
/// The exact text of every operator event (PROTOCOL.md §4). Tests and docs use these members, so
/// the wording lives only here. Dashboards and alert rules match on it: do not reword.
/// </summary>
public static class EventMessages
{
    // edge
    public const string EdgeConnectedFormat = "Edge connected from {0}";
    public const string EdgeDisconnectedFormat = "Edge disconnected from {0}";
    public const string ControlStreamErrorFormat = "Edge connection failed: control stream error from {0}";
    public const string ProtocolVersionMismatchFormat = "Protocol version mismatch (edge={0}, relay={1})";
    public const string PerIpCapExceededFormat = "Connection rejected: per-IP cap exceeded ({0} active from {1})";

    // tunnel
    public const string TunnelActive = "Tunnel active (both sides bound)";
    public const string TunnelBindInvalidToken = "Tunnel bind rejected: invalid token";
    public const string TunnelBindCapExceeded = "Tunnel bind rejected: per-connection cap exceeded";
    public const string TunnelDownEdgeDisconnected = "Tunnel down: edge disconnected";

    // tunnel, native UDP plane (§5.10)
    public const string NativeUdpImplausibleSource = "Native-UDP register rejected: implausible source address";
    public const string NativeUdpInvalidToken = "Native-UDP register rejected: invalid token";
    public const string NativeUdpSessionCapExceeded = "Native-UDP register rejected: per-IP session cap exceeded";
    public const string NativeUdpSlotHeld = "Native-UDP register refused: slot held by a live peer";
    public const string NativeUdpUnauthenticated = "Native-UDP plane accepts unauthenticated registers";
    public const string NativeUdpNotStarted = "Native-UDP relay not started: no listener could be bound";

    // manager
    public const string ManagerConnected = "Connected to manager";
    public const string ManagerConnectionLost = "Manager connection lost, reconnecting";
    public const string ManagerConnectionLostWithErrorFormat = "Manager connection lost, reconnecting: {0}";
    public const string ManagerAuthenticationFailedFormat = "Manager authentication failed: {0}";
    public const string SecretRotated = "Secret rotated successfully";
    public const string CredentialPersistenceFailedFormat = "Credential persistence failed: {0}";

    public static string EdgeConnected(string address) => Format(EdgeConnectedFormat, address);

    public static string EdgeDisconnected(string address) => Format(EdgeDisconnectedFormat, address);

    public static string ControlStreamError(string address) => Format(ControlStreamErrorFormat, address);

    public static string ProtocolVersionMismatch(uint edgeVersion, uint relayVersion) =>
        Format(ProtocolVersionMismatchFormat, edgeVersion, relayVersion);

    public static string PerIpCapExceeded(int active, IPAddress address) =>
        Format(PerIpCapExceededFormat, active, address);

    public static string ManagerConnectionLostWithError(string error) => Format(ManagerConnectionLostWithErrorFormat, error);

    public static string ManagerAuthenticationFailed(string reason) => Format(ManagerAuthenticationFailedFormat, reason);

    public static string CredentialPersistenceFailed(string error) => Format(CredentialPersistenceFailedFormat, error);

    private static string Format(string format, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, format, args);
}

/// <summary>
/// The exact <c>tunnel_down</c> reasons sent to edges (§1.2, §3, §6). Edges log these verbatim.
/// </summary>
public static class TunnelDownReasons
{
    public const string PerConnectionLimitExceeded = "per-connection tunnel limit exceeded";
    public const string BindAuthenticationFailed = "bind authentication failed";
    public const string SlotTaken = "slot taken by a newer bind";
    public const string PeerUnbound = "peer unbound";
    public const string PeerDisconnected = "peer disconnected";
    public const string ClosedByManager = "tunnel closed by manager";
    public const string DeletedViaRestApi = "tunnel deleted via relay REST API";
}
