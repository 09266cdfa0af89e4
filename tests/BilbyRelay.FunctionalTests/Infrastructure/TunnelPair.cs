using System.Net;
using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// Two edges with one tunnel between them, bound in the usual order: the ingress edge binds first
/// (<c>tunnel_waiting</c>), the egress edge second (<c>tunnel_ready</c>), and the ingress edge's
/// <c>tunnel_ready</c> notification has been received.
/// </summary>
internal sealed class TunnelPair : IAsyncDisposable
{
    private TunnelPair(Guid tunnelId, SimulatedEdge ingress, SimulatedEdge egress)
    {
        TunnelId = tunnelId;
        Ingress = ingress;
        Egress = egress;
    }

    public Guid TunnelId { get; }

    public SimulatedEdge Ingress { get; }

    public SimulatedEdge Egress { get; }

    public static async Task<TunnelPair> BindAsync(IPEndPoint relay, string protocol = "tcp", Guid? tunnelId = null)
    {
        var id = tunnelId ?? Guid.NewGuid();
        var ingress = await SimulatedEdge.ConnectAsync(relay, null, TestTimeouts.Token());
        SimulatedEdge? egress = null;
        try
        {
            egress = await SimulatedEdge.ConnectAsync(relay, null, TestTimeouts.Token());
            await BindBothAsync(ingress, egress, id, protocol);
            return new TunnelPair(id, ingress, egress);
        }
        catch
        {
            await ingress.DisposeAsync();
            if (egress is not null)
            {
                await egress.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Binds <paramref name="ingress"/> then <paramref name="egress"/> to tunnel <paramref name="id"/> and waits until both know it is ready.</summary>
    public static async Task BindBothAsync(SimulatedEdge ingress, SimulatedEdge egress, Guid id, string protocol = "tcp")
    {
        await ingress.BindAsync(id, "ingress", protocol);
        await ingress.ExpectControlAsync("tunnel_waiting", id);
        await egress.BindAsync(id, "egress", protocol);
        await egress.ExpectControlAsync("tunnel_ready", id);
        await ingress.ExpectNotificationAsync("tunnel_ready", id);
    }

    public async ValueTask DisposeAsync()
    {
        await Ingress.DisposeAsync();
        await Egress.DisposeAsync();
    }
}
