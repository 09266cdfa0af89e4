using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Stats;

/// <summary>
/// What the stats endpoint reads from the relay, and the one mutation it may ask for.
/// Contract: every member is called on thread-pool threads, possibly concurrently, once per
/// request; each must be thread-safe, must not block on network I/O, and must return a snapshot
/// that the caller owns (it is serialised after the call returns).
/// </summary>
internal interface IStatsSource
{
    /// <summary>Counts for <c>GET /health</c>; cheap enough to be polled by load balancers.</summary>
    HealthSnapshot GetHealth();

    /// <summary>Every tunnel the relay knows, bound on one side or both.</summary>
    IReadOnlyList<TunnelInfo> GetTunnels();

    /// <summary>Every connected edge.</summary>
    IReadOnlyList<EdgeInfo> GetEdges();

    /// <summary>Relay-wide totals for <c>GET /api/v1/stats</c>.</summary>
    RelayStatsSnapshot GetStats();

    /// <summary>The manager link's state, or null when no manager is configured.</summary>
    ManagerLinkSnapshot? GetManagerLink();

    /// <summary>Values for every <c>/metrics</c> family.</summary>
    MetricsSnapshot GetMetrics();

    /// <summary>
    /// Revokes the tunnel's bind authorisation and removes it, queueing <c>tunnel_down</c>
    /// (reason <c>tunnel deleted via relay REST API</c>) to each bound side. Must not wait for
    /// those notifications to be delivered.
    /// </summary>
    DeleteTunnelResult DeleteTunnel(Guid tunnelId);

    /// <summary>Every native UDP session (PROTOCOL.md §5.9 rule 5).</summary>
    IReadOnlyList<NativeUdpSessionInfo> GetUdpSessions();

    /// <summary>Removes a native UDP session as a reap does (its bind authorization stays); false when there is none.</summary>
    bool DeleteUdpSession(Guid tunnelId);
}
