namespace BilbyRelay.Core.Tunnels;

/// <summary>Which slot of a tunnel an edge binds. The wire names are <c>ingress</c> and <c>egress</c>.</summary>
public enum TunnelDirection
{
    Ingress = 0,
    Egress = 1,
}
