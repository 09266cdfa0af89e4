namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/edges</c> body.</summary>
internal sealed class EdgeListResponse(IReadOnlyList<EdgeSnapshot> edges)
{
    public IReadOnlyList<EdgeSnapshot> Edges { get; } = edges;
}
