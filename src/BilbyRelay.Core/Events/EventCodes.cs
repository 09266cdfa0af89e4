namespace BilbyRelay.Core.Events;

/// <summary>
/// A stable machine-readable code per event message (the <c>error_code</c> of the structured event log), so
/// Splunk searches and DataMiner parameters need not match on message text. Codes never change once published.
/// </summary>
public static class EventCodes
{
    // Each message (or the fixed text before its first placeholder) with its code.
    private static readonly (string Prefix, string Code)[] ByMessage =
    [
        (Prefix(EventMessages.EdgeConnectedFormat), "relay_edge_connected"),
        (Prefix(EventMessages.EdgeDisconnectedFormat), "relay_edge_disconnected"),
        (Prefix(EventMessages.ControlStreamErrorFormat), "relay_control_stream_error"),
        (Prefix(EventMessages.ProtocolVersionMismatchFormat), "relay_protocol_version_mismatch"),
        (Prefix(EventMessages.PerIpCapExceededFormat), "relay_per_ip_cap_exceeded"),
        (EventMessages.TunnelActive, "relay_tunnel_active"),
        (EventMessages.TunnelBindInvalidToken, "relay_bind_invalid_token"),
        (EventMessages.TunnelBindCapExceeded, "relay_bind_cap_exceeded"),
        (EventMessages.TunnelDownEdgeDisconnected, "relay_tunnel_down_edge_disconnected"),
        (Prefix(EventMessages.ManagerAuthenticationFailedFormat), "relay_manager_auth_failed"),
        (EventMessages.ManagerConnected, "relay_manager_connected"),
        (EventMessages.ManagerConnectionLost, "relay_manager_connection_lost"),
        (EventMessages.SecretRotated, "relay_secret_rotated"),
        (Prefix(EventMessages.CredentialPersistenceFailedFormat), "relay_credential_persistence_failed"),
    ];

    /// <summary>The code for an event's message, or null for a message without one.</summary>
    public static string? For(string message)
    {
        foreach (var (prefix, code) in ByMessage)
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                return code;
            }
        }

        return null;
    }

    private static string Prefix(string format) => format[..format.IndexOf('{', StringComparison.Ordinal)];
}
