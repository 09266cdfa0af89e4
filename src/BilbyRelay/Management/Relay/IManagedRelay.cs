using System.Text.Json.Nodes;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Management;

/// <summary>
/// What the manager link reads from and asks of the relay. The host adapts the relay core to it.
/// Every member is called from the manager link's own tasks, never from the data plane, and must
/// return promptly without blocking forwarding (snapshots, not locks held across I/O).
/// </summary>
internal interface IManagedRelay
{
    /// <summary>The numbers and lists of the <c>stats</c> message (sent every second).</summary>
    ManagerStatsPayload GetStats();

    /// <summary>The <c>health</c> message (sent on connect and every 15 s).</summary>
    ManagerHealthPayload GetHealth();

    /// <summary>Tunnels as in <c>GET /api/v1/tunnels</c>.</summary>
    IReadOnlyList<TunnelInfo> ListTunnels();

    /// <summary>Connected edges as in <c>GET /api/v1/edges</c>.</summary>
    IReadOnlyList<EdgeInfo> ListEdges();

    /// <summary>
    /// Removes the tunnel entirely and sends <c>tunnel_down</c> with <paramref name="reason"/> to each
    /// bound side. False when no such tunnel exists.
    /// </summary>
    bool CloseTunnel(Guid tunnelId, string reason);

    /// <summary>Closes the connection whose connection id or identified edge id is <paramref name="edgeId"/>. False when none matches.</summary>
    bool DisconnectEdge(string edgeId);

    /// <summary>Stores the expected bind tokens for the tunnel, replacing any previous ones.</summary>
    void AuthorizeTunnel(Guid tunnelId, string ingressToken, string egressToken);

    /// <summary>Forgets the tunnel's bind tokens. False when none were stored.</summary>
    bool RevokeTunnel(Guid tunnelId);

    /// <summary>
    /// The effective configuration as a JSON object (config-file key names) with <c>node_secret</c>,
    /// <c>registration_token</c> and <c>api_token</c> replaced by <c>***REDACTED***</c>. A fresh object per call.
    /// </summary>
    JsonObject GetRedactedConfig();

    /// <summary>Native UDP sessions as in <c>GET /api/v1/udp-sessions</c>.</summary>
    IReadOnlyList<NativeUdpSessionInfo> ListUdpSessions();

    /// <summary>Removes the native UDP session (its bind authorization stays). False when none exists.</summary>
    bool CloseUdpSession(Guid tunnelId);
}
