using BilbyRelay.Core.NativeUdp;

namespace BilbyRelay.Stats;

/// <summary>The <c>GET /api/v1/udp-sessions</c> body.</summary>
internal sealed class UdpSessionListResponse(IReadOnlyList<NativeUdpSessionInfo> sessions)
{
    public IReadOnlyList<NativeUdpSessionInfo> Sessions { get; } = sessions;
}
