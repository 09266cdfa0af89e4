namespace BilbyRelay.Core.Tunnels;

/// <summary>Wire and report names for the tunnel enums.</summary>
public static class TunnelNames
{
    public static string ToWireName(this TunnelDirection direction) =>
        direction == TunnelDirection.Ingress ? "ingress" : "egress";

    public static string ToWireName(this TunnelProtocol protocol) =>
        protocol == TunnelProtocol.Tcp ? "tcp" : "udp";

    public static string ToWireName(this TunnelStatus status) => status switch
    {
        TunnelStatus.WaitingIngress => "waiting_ingress",
        TunnelStatus.WaitingEgress => "waiting_egress",
        TunnelStatus.Active => "active",
        _ => "empty",
    };

    public static TunnelDirection Opposite(this TunnelDirection direction) =>
        direction == TunnelDirection.Ingress ? TunnelDirection.Egress : TunnelDirection.Ingress;

    public static bool TryParseDirection(string? text, out TunnelDirection direction)
    {
        switch (text)
        {
            case "ingress":
                direction = TunnelDirection.Ingress;
                return true;
            case "egress":
                direction = TunnelDirection.Egress;
                return true;
            default:
                direction = default;
                return false;
        }
    }

    public static bool TryParseProtocol(string? text, out TunnelProtocol protocol)
    {
        switch (text)
        {
            case "tcp":
                protocol = TunnelProtocol.Tcp;
                return true;
            case "udp":
                protocol = TunnelProtocol.Udp;
                return true;
            default:
                protocol = default;
                return false;
        }
    }
}
