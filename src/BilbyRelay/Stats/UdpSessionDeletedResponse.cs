namespace BilbyRelay.Stats;

/// <summary>The 200 body of <c>DELETE /api/v1/udp-sessions/{uuid}</c>.</summary>
internal sealed class UdpSessionDeletedResponse(Guid tunnelId)
{
    public bool Deleted => true;

    public Guid TunnelId { get; } = tunnelId;
}
