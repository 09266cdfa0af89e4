using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.LoadGen;

/// <summary>
/// <c>stalled-peer</c>: the receiving side of the stalled probe, in its own process. One edge per stalled tunnel binds it
/// as egress and accepts the streams the relay opens without ever reading them, so everything the relay holds for it
/// stays held. One more edge binds every second tunnel as egress and reads those streams to the end (as relay-peer
/// does): it stands for the healthy far end a stalled sender's other tunnels lead to.
/// </summary>
public static class StalledPeer
{
    private static readonly TimeSpan s_bindTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(Options options)
    {
        var relay = options.EndPoint("relay") ?? throw new ArgumentException("--relay ip:port is required");
        var stalledTunnels = TunnelBinding.Parse(options, "stalled-tunnels");
        var secondTunnels = TunnelBinding.Parse(options, "second-tunnels");
        var edges = new List<SimulatedEdge>();
        try
        {
            // Datagrams sent into a stalled tunnel are discarded on arrival rather than collected in this process.
            var stalledOptions = new SimulatedEdgeOptions { DatagramObserver = static _ => { } };
            foreach (var tunnel in stalledTunnels)
            {
                var edge = await SimulatedEdge.ConnectAsync(relay, stalledOptions).ConfigureAwait(false);
                edges.Add(edge);
                await TunnelBinding.BindAllAsync(edge, [tunnel], "egress", peerBound: false, s_bindTimeout).ConfigureAwait(false);
            }

            var reader = await SimulatedEdge.ConnectAsync(relay).ConfigureAwait(false);
            edges.Add(reader);
            await TunnelBinding.BindAllAsync(reader, secondTunnels, "egress", peerBound: false, s_bindTimeout).ConfigureAwait(false);
            Console.WriteLine("BOUND");
            using var stop = Sinks.StopOnSignal(options);
            await Sinks.SinkTunnelStreamsAsync(reader, "stalled-peer", stop.Token).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
