namespace BilbyRelay.Stats;

/// <summary>State of the outbound manager link, as shown in <c>GET /health</c>.</summary>
internal sealed class ManagerLinkSnapshot
{
    /// <summary>True while the link is up and authenticated.</summary>
    public bool Connected { get; init; }

    /// <summary>Seconds since the link went down; 0 while connected or never down.</summary>
    public long DisconnectedSecs { get; init; }

    /// <summary>True while the link is down and the relay is retrying.</summary>
    public bool Reconnecting { get; init; }

    /// <summary>Events dropped (oldest first) because the bounded queue overflowed while the manager was away.</summary>
    public long EventsDropped { get; init; }

    /// <summary>While the link is down, why the last attempt or session failed; null while connected or when nothing failed.</summary>
    public string? LastError { get; init; }
}
