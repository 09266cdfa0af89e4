namespace BilbyRelay.Stats;

/// <summary>The 200 body of <c>DELETE /api/v1/tunnels/{uuid}</c>.</summary>
internal sealed class TunnelDeletedResponse(Guid tunnelId, int peersNotified)
{
    public bool Deleted => true;

    public Guid TunnelId { get; } = tunnelId;

    public int PeersNotified { get; } = peersNotified;
}
