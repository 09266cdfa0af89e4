namespace BilbyRelay.Stats;

/// <summary>One entry of <c>GET /api/v1/edges</c>.</summary>
internal sealed class EdgeSnapshot
{
    public required string EdgeId { get; init; }

    public required string RemoteAddr { get; init; }
}
