namespace BilbyRelay.Core.Tunnels;

/// <summary>A tunnel's pairing state as the REST API and manager report it.</summary>
public enum TunnelStatus
{
    /// <summary>Only the egress slot is bound.</summary>
    WaitingIngress,

    /// <summary>Only the ingress slot is bound.</summary>
    WaitingEgress,

    /// <summary>Both slots are bound.</summary>
    Active,

    /// <summary>Neither slot is bound: only seen transiently, just before the tunnel is removed.</summary>
    Empty,
}
