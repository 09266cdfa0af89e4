using System.Runtime.CompilerServices;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>Edge-side steps of the soak: binding a TCP and a UDP tunnel, a verified round trip, vanishing.</summary>
internal static class SoakEdges
{
    /// <summary>Binds <paramref name="tcp"/> and <paramref name="udp"/> as <paramref name="direction"/>; both replies must be ready or waiting.</summary>
    public static async Task BindAsync(SimulatedEdge edge, Guid tcp, Guid udp, string direction, CancellationToken ct)
    {
        await edge.BindAsync(tcp, direction, "tcp", ct: ct).ConfigureAwait(false);
        await edge.BindAsync(udp, direction, "udp", ct: ct).ConfigureAwait(false);
        for (var i = 0; i < 2; i++)
        {
            var reply = await edge.ReceiveControlAsync(ct).ConfigureAwait(false);
            if (reply.Type is not ("tunnel_ready" or "tunnel_waiting"))
            {
                throw new InvalidOperationException($"bind as {direction} answered {reply}");
            }
        }
    }

    /// <summary>
    /// One TCP-tunnel stream opened by <paramref name="ingress"/>: <paramref name="bytes"/> seeded bytes each way at once,
    /// every byte checked at the far end. Returns the number of wrong, missing or excess bytes.
    /// </summary>
    public static async Task<long> RoundTripAsync(SimulatedEdge ingress, SimulatedEdge egress, Guid tunnel, long bytes, ulong seed, CancellationToken ct)
    {
        var opened = await ingress.OpenTunnelStreamAsync(tunnel, ct).ConfigureAwait(false);
        var accepted = await egress.AcceptTunnelStreamAsync(ct).ConfigureAwait(false);
        var outbound = seed;
        var inbound = ~seed;
        var results = await Task.WhenAll(
            Write(opened.Output, outbound),
            SoakPayload.VerifyAsync(accepted.Stream.Input, outbound, bytes, ct),
            Write(accepted.Stream.Output, inbound),
            SoakPayload.VerifyAsync(opened.Input, inbound, bytes, ct)).ConfigureAwait(false);
        return results.Sum();

        async Task<long> Write(System.IO.Pipelines.PipeWriter output, ulong s)
        {
            await SoakPayload.WriteAsync(output, s, bytes, ct).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>
    /// The edge disappears without CONNECTION_CLOSE, as when its process dies or its network drops: with its own
    /// socket (<see cref="SimulatedEdgeOptions.OwnSocket"/>) the socket goes too, so the relay hears nothing at all and
    /// only its idle timeout can clean up. Returns once the engine has forgotten the connection.
    /// </summary>
    public static async Task VanishAsync(SimulatedEdge edge)
    {
        Vanish(edge.Connection);
        await edge.Closed.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    // The engine's fault hook is internal to it (only tests may see it); the soak reaches it without reflection, which
    // keeps the load generator trimming- and AOT-safe.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "Vanish")]
    private static extern void Vanish(QuicConnection connection);
}
