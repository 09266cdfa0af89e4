using System.Net;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.ChaosCheck;

/// <summary>Two simulated edges with a tunnel bound between them (ingress on A, egress on B).</summary>
internal sealed class EdgePair : IAsyncDisposable
{
    private EdgePair(SimulatedEdge ingress, SimulatedEdge egress, Guid tunnel)
    {
        Ingress = ingress;
        Egress = egress;
        Tunnel = tunnel;
    }

    public SimulatedEdge Ingress { get; }

    public SimulatedEdge Egress { get; }

    public Guid Tunnel { get; }

    /// <summary>Edges whose QUIC idle timeout is the relay's (the smaller side wins) and that probe every second.</summary>
    public static SimulatedEdgeOptions Options(Action<ReadOnlySpan<byte>>? datagrams = null) => new()
    {
        OwnSocket = true,
        DatagramObserver = datagrams,
        Transport = new QuicTransportSettings { IdleTimeout = TimeSpan.FromSeconds(60), KeepAliveInterval = TimeSpan.FromSeconds(1) },
    };

    public static async Task<EdgePair> ConnectAsync(IPEndPoint relay, string protocol, CancellationToken ct, Action<ReadOnlySpan<byte>>? egressDatagrams = null)
    {
        var egress = await SimulatedEdge.ConnectAsync(relay, Options(egressDatagrams), ct).ConfigureAwait(false);
        SimulatedEdge? ingress = null;
        try
        {
            ingress = await SimulatedEdge.ConnectAsync(relay, Options(), ct).ConfigureAwait(false);
            var tunnel = Guid.NewGuid();
            await egress.BindAsync(tunnel, "egress", protocol, ct: ct).ConfigureAwait(false);
            await ExpectAsync(egress, ["tunnel_waiting", "tunnel_ready"], ct).ConfigureAwait(false);
            await ingress.BindAsync(tunnel, "ingress", protocol, ct: ct).ConfigureAwait(false);
            await ExpectAsync(ingress, ["tunnel_ready"], ct).ConfigureAwait(false);
            return new EdgePair(ingress, egress, tunnel);
        }
        catch
        {
            if (ingress is not null)
            {
                await ingress.DisposeAsync().ConfigureAwait(false);
            }

            await egress.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExpectAsync(SimulatedEdge edge, string[] types, CancellationToken ct)
    {
        var reply = await edge.ReceiveControlAsync(ct).ConfigureAwait(false);
        if (!types.Contains(reply.Type))
        {
            throw new InvalidOperationException($"bind answered {reply}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Ingress.DisposeAsync().ConfigureAwait(false);
        await Egress.DisposeAsync().ConfigureAwait(false);
    }
}
