using BilbyRelay.Core.Relay;

namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/tunnels</c> body.</summary>
internal sealed class TunnelListResponse(IReadOnlyList<TunnelInfo> tunnels)
{
    public IReadOnlyList<TunnelInfo> Tunnels { get; } = tunnels;
}
