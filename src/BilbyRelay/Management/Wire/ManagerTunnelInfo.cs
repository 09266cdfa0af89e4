namespace BilbyRelay.Management;

/// <summary>One tunnel, shaped as in <c>GET /api/v1/tunnels</c>. Unbound sides have null edge ids and addresses.</summary>
internal sealed class ManagerTunnelInfo
{
    public Guid TunnelId { get; init; }

    /// <summary><c>tcp</c> or <c>udp</c>.</summary>
    public required string Protocol { get; init; }

    /// <summary><c>active</c>, <c>waiting_ingress</c> or <c>waiting_egress</c>.</summary>
    public required string Status { get; init; }

    public string? IngressEdgeId { get; init; }

    public string? EgressEdgeId { get; init; }

    public string? IngressRemoteAddr { get; init; }

    public string? EgressRemoteAddr { get; init; }

    public required ManagerTunnelStats Stats { get; init; }
}
