using BilbyRelay.Core.Relay;

namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/edges</c> body.</summary>
internal sealed class EdgeListResponse(IReadOnlyList<EdgeInfo> edges)
{
    public IReadOnlyList<EdgeInfo> Edges { get; } = edges;
}
