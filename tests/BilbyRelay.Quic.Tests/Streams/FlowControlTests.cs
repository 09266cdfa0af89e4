using Xunit;

namespace BilbyRelay.Quic.Tests.Streams;

public sealed class FlowControlTests
{
    [Fact]
    public async Task SlowReader_MakesWriterWaitWithBoundedMemory_AndResumes()
    {
        const long sendLimit = 256 * 1024;
        const long window = 256 * 1024;
        await using var pair = await OneStream.OpenAsync(window, o => o.Transport.StreamSendBufferLimit = sendLimit);
        var chunk = new byte[16 * 1024];

        // Write until a flush does not complete: the peer's window and our send buffer are both full.
        var (written, blocked) = await WriteUntilBlockedAsync(pair.Stream, chunk, window, sendLimit);

        Assert.False(blocked.IsCompleted);
        // Outstanding bytes are bounded by the peer's window plus our send buffer (plus one chunk in flight).
        Assert.InRange(written, sendLimit, window + sendLimit + (2 * chunk.Length));

        // The reader starts consuming: the writer resumes and everything arrives.
        var length = await pair.ReadToEndAsync(async () =>
        {
            await blocked.WaitAsync(QuicTestEnvironment.Timeout);
            await pair.Stream.Output.WriteAsync(chunk);
            written += chunk.Length;
        });
        Assert.Equal(written, length);
    }

    [Fact]
    public async Task StalledReader_PinsOnlyTheUnsentLimitOfALargeSendBuffer()
    {
        const long sendLimit = 8L * 1024 * 1024;
        const long unsentLimit = 64 * 1024;
        const long window = 128 * 1024;
        await using var pair = await OneStream.OpenAsync(window, o =>
        {
            o.Transport.StreamSendBufferLimit = sendLimit;
            o.Transport.StreamSendUnsentLimit = unsentLimit;
        });
        var chunk = new byte[16 * 1024];
        var (written, blocked) = await WriteUntilBlockedAsync(pair.Stream, chunk, window, unsentLimit);

        // The peer's window lets out at most `window`; beyond that only the unsent limit waits in our buffer,
        // however large the send buffer is.
        Assert.False(blocked.IsCompleted);
        Assert.InRange(written, unsentLimit, window + unsentLimit + (2 * chunk.Length));

        var length = await pair.ReadToEndAsync(() => blocked.WaitAsync(QuicTestEnvironment.Timeout));
        Assert.Equal(written, length);
    }

    [Fact]
    public async Task FlushWaitingForSendRoom_EndsOnCancellation_AndKeepsTheCommittedBytes()
    {
        const long sendLimit = 64 * 1024;
        const long window = 64 * 1024;
        await using var pair = await OneStream.OpenAsync(window, o => o.Transport.StreamSendBufferLimit = sendLimit);
        var chunk = new byte[16 * 1024];
        using var cancel = new CancellationTokenSource();
        var (written, blocked) = await WriteUntilBlockedAsync(pair.Stream, chunk, window, sendLimit, cancel.Token);
        Assert.False(blocked.IsCompleted);

        // The token ends the wait for room the way it ends any pipe's flush.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(QuicTestEnvironment.Timeout));

        // Nobody reads, and a whole send buffer more can never fit, so the next flush waits too; CancelPendingFlush
        // makes it return a canceled result.
        var next = pair.Stream.Output.WriteAsync(new byte[sendLimit]).AsTask();
        written += sendLimit;
        Assert.False(next.IsCompleted);
        pair.Stream.Output.CancelPendingFlush();
        Assert.True((await next.WaitAsync(QuicTestEnvironment.Timeout)).IsCanceled);

        // Nothing committed before the cancellations is lost.
        var length = await pair.ReadToEndAsync(() => Task.CompletedTask);
        Assert.Equal(written, length);
    }

    [Fact]
    public async Task StalledStreams_HoldOnlyTheirOwnWindow_AndNeverBlockTheConnection()
    {
        const int window = 64 * 1024;
        const int stalledStreams = 4;
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            // The connection window is no larger than one stream's: stalled streams together exceed it four times.
            o.Transport.StreamReceiveWindow = window;
            o.Transport.ConnectionReceiveWindow = window;
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var stalled = new List<QuicStream>();
            for (var i = 0; i < stalledStreams; i++)
            {
                var (_, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: window).WaitAsync(QuicTestEnvironment.Timeout);
                stalled.Add(serverStream);
            }

            // Every stalled stream receives its whole window although nobody consumes a byte of it.
            foreach (var stream in stalled)
            {
                Assert.Equal(window, await StreamData.BufferedWithoutConsumingAsync(stream.Input, window).WaitAsync(QuicTestEnvironment.Timeout));
            }

            // A further stream on the same connection still carries a whole transfer.
            var clientStream = await client.OpenStreamAsync(bidirectional: true);
            var sending = StreamData.WriteAsync(clientStream.Output, 1024 * 1024, seed: 7);
            var acceptedStream = await server.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
            var (length, received) = await StreamData.ReadToEndAsync(acceptedStream.Input).WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(1024 * 1024, length);
            Assert.Equal(await sending, received);
        }
    }

    [Fact]
    public async Task PeerStreamLimit_1025thOpenWaitsUntilAStreamCloses()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var streams = new List<QuicStream>();
            for (var i = 0; i < 1024; i++)
            {
                var stream = await client.OpenStreamAsync(bidirectional: true).AsTask().WaitAsync(QuicTestEnvironment.Timeout);
                await stream.Output.WriteAsync(new byte[1]);
                streams.Add(stream);
            }

            var accepted = new List<QuicStream>();
            for (var i = 0; i < 1024; i++)
            {
                accepted.Add(await server.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout));
            }

            var waiting = client.OpenStreamAsync(bidirectional: true).AsTask();
            // No event can tell that something did NOT happen; a real round trip on another stream proves the
            // connection is live while the open still waits.
            await streams[1].Output.WriteAsync(new byte[1]);
            await StreamData.ReadExactlyAsync(accepted[1].Input, 2);
            await accepted[1].Output.WriteAsync(new byte[1]);
            await StreamData.ReadExactlyAsync(streams[1].Input, 1);
            Assert.False(waiting.IsCompleted);

            // Finish stream 0 both ways: the server grants one more stream.
            await streams[0].Output.CompleteAsync();
            await StreamData.ReadToEndAsync(accepted[0].Input);
            await accepted[0].Output.CompleteAsync();
            await StreamData.ReadToEndAsync(streams[0].Input);

            var opened = await waiting.WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(1024 * 4, opened.StreamId);
        }
    }

    /// <summary>
    /// Writes chunks until a flush can never complete while nobody reads; returns the bytes written and that flush.
    /// Once the peer's <paramref name="peerWindow"/> is sent and acknowledged, a waiting flush goes on only if at most
    /// half of <paramref name="sendLimit"/> (the smaller of the stream's send-buffer and unsent limits) is left beyond
    /// it. So a pending flush with more than that written beyond the window waits for the reader, whatever the timing
    /// of acknowledgements; any other pending flush completes. No flush can complete at once beyond the window plus
    /// <paramref name="sendLimit"/>, so writing well past that without a block fails the test instead of going on.
    /// </summary>
    private static async Task<(long Written, Task<System.IO.Pipelines.FlushResult> Blocked)> WriteUntilBlockedAsync(
        QuicStream stream, byte[] chunk, long peerWindow, long sendLimit, CancellationToken cancellationToken = default)
    {
        long written = 0;
        while (written <= peerWindow + (2 * sendLimit) + chunk.Length)
        {
            var flush = stream.Output.WriteAsync(chunk, cancellationToken).AsTask();
            written += chunk.Length;
            if (!flush.IsCompleted && written - peerWindow > sendLimit / 2)
            {
                return (written, flush);
            }

            await flush.WaitAsync(QuicTestEnvironment.Timeout);
        }

        Assert.Fail($"{written} bytes written and no flush waited for the reader");
        return default;
    }

    /// <summary>
    /// A client stream towards a server whose streams may receive <c>window</c> bytes each (four such streams per
    /// connection), not yet accepted there: nothing reads it until <see cref="ReadToEndAsync"/>.
    /// </summary>
    private sealed class OneStream(QuicListener listener, QuicConnection client, QuicConnection server, QuicStream stream) : IAsyncDisposable
    {
        public QuicStream Stream => stream;

        public static async Task<OneStream> OpenAsync(long window, Action<QuicClientOptions> configureClient)
        {
            var listener = QuicTestEnvironment.StartListener(o =>
            {
                o.Transport.StreamReceiveWindow = window;
                o.Transport.ConnectionReceiveWindow = 4 * window;
            });
            var (newClient, newServer) = await QuicTestEnvironment.ConnectPairAsync(listener, configureClient);
            return new OneStream(listener, newClient, newServer, await newClient.OpenStreamAsync(bidirectional: true));
        }

        /// <summary>The server starts reading; once <paramref name="beforeCompleting"/> is done the client completes its output; returns the bytes read.</summary>
        public async Task<long> ReadToEndAsync(Func<Task> beforeCompleting)
        {
            var serverStream = await server.AcceptStreamAsync();
            var reading = StreamData.ReadToEndAsync(serverStream.Input);
            await beforeCompleting();
            await Stream.Output.CompleteAsync();
            var (length, _) = await reading.WaitAsync(QuicTestEnvironment.Timeout);
            return length;
        }

        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync();
            await server.DisposeAsync();
            await listener.DisposeAsync();
        }
    }
}
