using Xunit;

namespace BilbyRelay.Quic.Tests.Streams;

/// <summary>
/// A full socket send buffer (EAGAIN) holds packets back until the socket is writable: nothing is dropped, so QUIC
/// sees no artificial loss, and the data arrives intact.
/// </summary>
public sealed class FullSendBufferTests
{
    [Fact]
    public async Task TinySendBuffer_PacketsWaitForTheSocket_NoneAreDropped_DataArrivesIntact()
    {
        const long length = 16L * 1024 * 1024;
        await using var listener = QuicTestEnvironment.StartListener();
        var endpoint = Assert.Single(listener.Endpoints);
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 1).WaitAsync(QuicTestEnvironment.Timeout);
            await StreamData.ReadExactlyAsync(serverStream.Input, 1).WaitAsync(QuicTestEnvironment.Timeout);
            var dropsBefore = endpoint.SendsDropped;

            // The kernel refuses the next 200 sends as with a full send buffer (loopback never fills one).
            endpoint.Socket.RefuseSends(200);
            var reading = StreamData.ReadToEndAsync(clientStream.Input);
            var sent = await StreamData.WriteAsync(serverStream.Output, length, seed: 11).WaitAsync(QuicTestEnvironment.Timeout);
            var (received, hash) = await reading.WaitAsync(QuicTestEnvironment.Timeout);

            Assert.Equal(length, received);
            Assert.Equal(sent, hash);
            Assert.True(endpoint.SendWaits > 0, "no send waited: the test did not exercise a full send buffer");
            Assert.Equal(dropsBefore, endpoint.SendsDropped);
        }
    }
}
