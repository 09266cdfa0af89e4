namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/tunnels</c> body.</summary>
internal sealed class TunnelListResponse(IReadOnlyList<TunnelSnapshot> tunnels)
{
    public IReadOnlyList<TunnelSnapshot> Tunnels { get; } = tunnels;
}
