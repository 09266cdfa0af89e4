using Xunit;

namespace BilbyRelay.Quic.Tests.Connections;

/// <summary>Several event loops on one address: SO_REUSEPORT sockets sharing the port, peers spread over them.</summary>
public sealed class MultiLoopTests
{
    [Fact]
    public async Task TwoLoops_ShareOnePort_SpreadPeers_AndEachServesItsConnections()
    {
        await using var listener = QuicTestEnvironment.StartListener(o => o.LoopsPerAddress = 2);
        Assert.Equal(2, listener.Endpoints.Count);
        Assert.Equal(listener.Endpoints[0].LocalEndPoint, listener.Endpoints[1].LocalEndPoint);
        Assert.Equal([listener.Endpoints[0].LocalEndPoint], listener.LocalEndPoints);

        // The kernel hashes each peer's address and port: 16 peers all on one loop would be a 1-in-32768 chance.
        var pairs = new List<(QuicConnection Client, QuicConnection Server)>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                // Each client has a socket (source port) of its own, as real edges do.
                pairs.Add(await QuicTestEnvironment.ConnectPairAsync(listener, o => o.UseDedicatedEndpoint = true));
            }

            var loops = pairs.Select(p => p.Server.Endpoint).Distinct().ToList();
            Assert.Equal(2, loops.Count);

            // Every connection works on whichever loop it landed.
            foreach (var (client, server) in pairs)
            {
                var stream = await client.OpenStreamAsync(bidirectional: true);
                await stream.Output.WriteAsync(new byte[] { 1, 2, 3 });
                await stream.Output.CompleteAsync();
                var accepted = await server.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
                var (length, _) = await Streams.StreamData.ReadToEndAsync(accepted.Input).WaitAsync(QuicTestEnvironment.Timeout);
                Assert.Equal(3, length);
            }
        }
        finally
        {
            foreach (var (client, server) in pairs)
            {
                await client.DisposeAsync();
                await server.DisposeAsync();
            }
        }
    }
}
