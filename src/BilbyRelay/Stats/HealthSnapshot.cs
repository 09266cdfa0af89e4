namespace BilbyRelay.Stats;

/// <summary>The relay's side of the <c>GET /health</c> body; the server adds <c>status</c> and <c>version</c>.</summary>
internal sealed class HealthSnapshot
{
    public long UptimeSecs { get; init; }

    public long ConnectedEdges { get; init; }

    public long TotalTunnels { get; init; }

    public long ActiveTunnels { get; init; }

    /// <summary>Native UDP sessions, active and waiting.</summary>
    public long UdpSessionsTotal { get; init; }

    /// <summary>Native UDP sessions with both slots latched.</summary>
    public long UdpSessionsActive { get; init; }

    /// <summary>Null when no manager is configured; the field is then omitted from the body.</summary>
    public ManagerLinkSnapshot? Manager { get; init; }

    /// <summary>Null while the relay serves; set once a part of it has failed and the process is on its way out.</summary>
    public HealthFailure? Failure { get; init; }
}
