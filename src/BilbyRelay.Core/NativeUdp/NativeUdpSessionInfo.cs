using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// A native session as <c>GET /api/v1/udp-sessions</c>, the manager's <c>stats</c> and <c>list_udp_sessions</c>
/// report it (§5.9 rule 5); properties in wire order, written snake_case. <c>ingress_addr</c> is how the manager
/// tells it from a QUIC tunnel.
/// </summary>
public sealed class NativeUdpSessionInfo
{
    public required TunnelId TunnelId { get; init; }

    public string Transport => "udp";

    /// <summary><c>active</c>, <c>waiting_egress</c>, <c>waiting_ingress</c> or <c>empty</c>.</summary>
    public required string Status { get; init; }

    public required string? IngressAddr { get; init; }

    public required string? EgressAddr { get; init; }

    public long BytesIngress { get; init; }

    public long BytesEgress { get; init; }

    public long Datagrams { get; init; }

    public long UptimeSecs { get; init; }
}
