using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.LoadGen;

/// <summary>
/// Datagrams into each edge's tunnel as fast as its engine's send queue takes them, for a fixed time, on one thread that
/// sleeps 1 ms between rounds (the machine is shared). A refusal is back-pressure from the sender's own engine.
/// </summary>
internal static class DatagramFlood
{
    private const int PerEdgePerRound = 64;

    public static Task<(long Accepted, long Refused)> StartAsync(IReadOnlyList<SimulatedEdge> edges, IReadOnlyList<Guid> tunnels, int payload, double seconds)
    {
        var done = new TaskCompletionSource<(long, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => done.SetResult(Run(edges, tunnels, payload, seconds))) { Name = "datagram-flood", IsBackground = true };
        thread.Start();
        return done.Task;
    }

    private static (long Accepted, long Refused) Run(IReadOnlyList<SimulatedEdge> edges, IReadOnlyList<Guid> tunnels, int payload, double seconds)
    {
        var bytes = new byte[payload];
        long accepted = 0, refused = 0;
        var deadline = Environment.TickCount64 + (long)(seconds * 1000);
        while (Environment.TickCount64 < deadline)
        {
            for (var i = 0; i < edges.Count; i++)
            {
                // Until path MTU discovery has raised the limit, send what fits rather than nothing.
                var fits = Math.Min(payload, edges[i].Connection.MaxDatagramSize - 16);
                for (var k = 0; k < PerEdgePerRound; k++)
                {
                    if (!edges[i].SendDatagram(tunnels[i], bytes.AsSpan(0, fits)))
                    {
                        refused++;
                        break;
                    }

                    accepted++;
                }
            }

            Thread.Sleep(1);
        }

        return (accepted, refused);
    }
}
