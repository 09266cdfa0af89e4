namespace BilbyRelay.Core.Tunnels;

/// <summary>What a tunnel carries: TCP over data streams or UDP over datagrams. Wire names <c>tcp</c>, <c>udp</c>.</summary>
public enum TunnelProtocol
{
    Tcp = 0,
    Udp = 1,
}
