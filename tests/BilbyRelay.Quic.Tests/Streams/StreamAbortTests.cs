using Xunit;

namespace BilbyRelay.Quic.Tests.Streams;

public sealed class StreamAbortTests
{
    [Fact]
    public async Task AbortWrite_IsSeenByPeerReaderAsResetWithCode()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 100);
            await StreamData.ReadExactlyAsync(serverStream.Input, 100);

            clientStream.AbortWrite(42);

            var error = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await StreamData.ReadToEndAsync(serverStream.Input));
            Assert.Equal(42, error.ApplicationErrorCode);
            Assert.True(error.ByPeer);
            Assert.Equal(QuicStreamAbortKind.Reset, error.Kind);
            await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await clientStream.Output.WriteAsync(new byte[1]));
        }
    }

    [Fact]
    public async Task AbortRead_IsSeenByPeerWriterAsStopSending()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 10);

            serverStream.AbortRead(7);

            var error = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () =>
            {
                // The writer learns about STOP_SENDING asynchronously; keep writing until it does.
                var chunk = new byte[16 * 1024];
                for (var i = 0; i < 100_000; i++)
                {
                    await clientStream.Output.WriteAsync(chunk);
                }
            }).WaitAsync(QuicTestEnvironment.Timeout);
            Assert.True(error.ByPeer);
            Assert.Equal(QuicStreamAbortKind.StopSending, error.Kind);
            var local = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await serverStream.Input.ReadAsync());
            Assert.False(local.ByPeer);
        }
    }

    [Fact]
    public async Task AbortRead_ReachesAWriterBlockedByFlowControl_ThoughTheStreamStaysOpen()
    {
        await using var listener = QuicTestEnvironment.StartListener(o => o.Transport.StreamReceiveWindow = 64 * 1024);
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.StreamSendBufferLimit = 256 * 1024);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 10);
            using var stop = new CancellationTokenSource();
            long written = 0;
            var writing = Task.Run(async () =>
            {
                var chunk = new byte[16 * 1024];
                while (true)
                {
                    await clientStream.Output.WriteAsync(chunk, stop.Token);
                    Interlocked.Add(ref written, chunk.Length);
                }
            });

            // The server never reads: the writer ends up waiting with its send buffer full and the peer's window used.
            await BilbyRelay.Tests.Common.Polling.UntilNoProgressAsync(() => Interlocked.Read(ref written), QuicTestEnvironment.Timeout);
            Assert.False(writing.IsCompleted);

            // STOP_SENDING alone (the server's sending side stays open, so the stream does not close).
            serverStream.AbortRead(7);

            var error = await Assert.ThrowsAsync<QuicStreamAbortedException>(() => writing.WaitAsync(QuicTestEnvironment.Timeout));
            Assert.True(error.ByPeer);
            Assert.Equal(QuicStreamAbortKind.StopSending, error.Kind);
        }
    }

    [Fact]
    public async Task AbortRead_CodeReachesPeerWriterOnceTheStreamCloses()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 10);

            serverStream.AbortRead(7);
            await serverStream.Output.CompleteAsync();
            await Streams.StreamData.ReadToEndAsync(clientStream.Input).WaitAsync(QuicTestEnvironment.Timeout);

            // The FIN may be read before STOP_SENDING is processed, and the code is reported only once the stream
            // has closed; no event marks that, so poll the writer, bounded.
            QuicStreamAbortedException? error = null;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (error?.ApplicationErrorCode != 7 && watch.Elapsed < QuicTestEnvironment.Timeout)
            {
                try
                {
                    await clientStream.Output.WriteAsync(new byte[1]);
                    await Task.Delay(10);
                }
                catch (QuicStreamAbortedException e)
                {
                    error = e;
                }
            }

            Assert.NotNull(error);
            Assert.Equal(7, error.ApplicationErrorCode);
            Assert.True(error.ByPeer);
            Assert.Equal(QuicStreamAbortKind.StopSending, error.Kind);
        }
    }

    [Fact]
    public async Task Abort_BothDirections_PeerSeesResetAndStopSending()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 1);
            await StreamData.ReadExactlyAsync(serverStream.Input, 1);

            clientStream.Abort(9);

            var readError = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await StreamData.ReadToEndAsync(serverStream.Input));
            Assert.Equal(9, readError.ApplicationErrorCode);
            // Both directions are now shut on the server, so the stream closes there and reports the peer's code.
            var writeError = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () =>
            {
                for (var i = 0; i < 100_000; i++)
                {
                    await serverStream.Output.WriteAsync(new byte[16 * 1024]);
                }
            }).WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(QuicStreamAbortKind.StopSending, writeError.Kind);
            Assert.True(writeError.ByPeer);
        }
    }

    [Fact]
    public async Task ConnectionClose_FailsOpenStreamsOnBothSides()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (server)
        {
            var (clientStream, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: 1);
            await StreamData.ReadExactlyAsync(serverStream.Input, 1);

            client.Close(5, "bye");

            var error = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await StreamData.ReadToEndAsync(serverStream.Input));
            Assert.Equal(QuicStreamAbortKind.ConnectionClosed, error.Kind);
            await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await clientStream.Output.WriteAsync(new byte[1]));
            var closed = await server.Closed.WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(QuicCloseReason.PeerClose, closed.Reason);
            Assert.Equal(5, closed.ApplicationErrorCode);
            Assert.Equal("bye", closed.ReasonPhrase);
            var clientClosed = await client.Closed;
            Assert.Equal(QuicCloseReason.LocalClose, clientClosed.Reason);
            var acceptError = await Assert.ThrowsAsync<QuicException>(async () => await server.AcceptStreamAsync());
            Assert.Equal(QuicError.ConnectionClosed, acceptError.Error);
        }
    }
}
