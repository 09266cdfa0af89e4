using System.Text.Json.Serialization;

namespace BilbyRelay.Stats;

/// <summary>The <c>GET /health</c> body: the relay's snapshot plus the fields the server owns.</summary>
internal sealed class HealthResponse
{
    public HealthResponse(string version, HealthSnapshot snapshot)
    {
        Version = version;
        UptimeSecs = snapshot.UptimeSecs;
        ConnectedEdges = snapshot.ConnectedEdges;
        TotalTunnels = snapshot.TotalTunnels;
        ActiveTunnels = snapshot.ActiveTunnels;
        UdpSessionsTotal = snapshot.UdpSessionsTotal;
        UdpSessionsActive = snapshot.UdpSessionsActive;
        Manager = snapshot.Manager;
        Failure = snapshot.Failure;
    }

    /// <summary><c>ok</c>, or <c>unavailable</c> (with status 503) once a part of the relay has failed.</summary>
    public string Status => Failure is null ? "ok" : "unavailable";

    public string Version { get; }

    public long UptimeSecs { get; }

    public long ConnectedEdges { get; }

    public long TotalTunnels { get; }

    public long ActiveTunnels { get; }

    public long UdpSessionsTotal { get; }

    public long UdpSessionsActive { get; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ManagerLinkSnapshot? Manager { get; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HealthFailure? Failure { get; }
}
