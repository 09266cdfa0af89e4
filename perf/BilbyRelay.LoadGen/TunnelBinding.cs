using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.LoadGen;

/// <summary>Binds tunnels (TCP unless told otherwise) on an edge and waits for the relay's reply to every bind.</summary>
internal static class TunnelBinding
{
    /// <summary>
    /// Binds each of <paramref name="tunnels"/> as <paramref name="direction"/>. With <paramref name="peerBound"/> each
    /// reply must be <c>tunnel_ready</c> (the far side bound first); otherwise <c>tunnel_waiting</c> also counts.
    /// </summary>
    public static async Task BindAllAsync(
        SimulatedEdge edge, IReadOnlyList<Guid> tunnels, string direction, bool peerBound, TimeSpan timeout, string protocol = "tcp")
    {
        using var cts = new CancellationTokenSource(timeout);
        foreach (var tunnel in tunnels)
        {
            await edge.BindAsync(tunnel, direction, protocol, ct: cts.Token).ConfigureAwait(false);
        }

        for (var i = 0; i < tunnels.Count; i++)
        {
            var reply = await edge.ReceiveControlAsync(cts.Token).ConfigureAwait(false);
            if (reply.Type != "tunnel_ready" && (peerBound || reply.Type != "tunnel_waiting"))
            {
                throw new InvalidOperationException($"bind as {direction} answered {reply}");
            }
        }
    }

    /// <summary>Comma-separated tunnel UUIDs from option <paramref name="name"/> (the parent passes them to its children).</summary>
    public static Guid[] Parse(Options options, string name) =>
        options.List(name, "").Select(Guid.Parse).ToArray();
}
