using System.Text.Json;
using System.Text.Json.Serialization;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Management;

/// <summary>
/// Payload of the <c>stats</c> message (PROTOCOL.md §3): <c>tunnels</c>, <c>edges</c> and, at the
/// same level, every relay-wide figure of <c>GET /api/v1/stats</c>. The figures are the relay core's
/// <see cref="RelayStatsSnapshot"/> written flat as extension data, so the manager and the REST API
/// read one definition and can never drift apart.
/// </summary>
internal sealed class ManagerStatsPayload
{
    private ManagerStatsPayload(IReadOnlyList<TunnelInfo> tunnels, IReadOnlyList<EdgeInfo> edges, Dictionary<string, JsonElement> totals, IReadOnlyList<NativeUdpSessionInfo> udpSessions, long udpSessionsTotal, long udpSessionsActive)
    {
        Tunnels = tunnels;
        Edges = edges;
        Totals = totals;
        UdpSessions = udpSessions;
        UdpSessionsTotal = udpSessionsTotal;
        UdpSessionsActive = udpSessionsActive;
    }

    public IReadOnlyList<TunnelInfo> Tunnels { get; }

    public IReadOnlyList<EdgeInfo> Edges { get; }

    /// <summary>Native UDP sessions; they are not part of the QUIC-only <c>total_*</c> figures.</summary>
    public IReadOnlyList<NativeUdpSessionInfo> UdpSessions { get; }

    public long UdpSessionsTotal { get; }

    public long UdpSessionsActive { get; }

    /// <summary>The snapshot's fields (snake_case), written beside <c>tunnels</c> and <c>edges</c>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Totals { get; }

    public static ManagerStatsPayload Create(
        IReadOnlyList<TunnelInfo> tunnels,
        IReadOnlyList<EdgeInfo> edges,
        RelayStatsSnapshot totals,
        IReadOnlyList<NativeUdpSessionInfo>? udpSessions = null,
        long udpSessionsTotal = 0,
        long udpSessionsActive = 0) =>
        new(
            tunnels,
            edges,
            JsonSerializer.SerializeToElement(totals, ManagerJsonContext.Default.RelayStatsSnapshot).EnumerateObject().ToDictionary(p => p.Name, p => p.Value),
            udpSessions ?? [],
            udpSessionsTotal,
            udpSessionsActive);
}
