namespace BilbyRelay.Stats;

/// <summary>The resource a request path names, decided without allocating a string for the path.</summary>
internal enum StatsRoute : byte
{
    NotFound,
    Health,
    Metrics,
    Tunnels,
    TunnelById,
    Edges,
    Stats,
    StatusPage,
    UdpSessions,
    UdpSessionById,
}
