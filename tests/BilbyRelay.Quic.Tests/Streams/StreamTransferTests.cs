using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace BilbyRelay.Quic.Tests.Streams;

public sealed class StreamTransferTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task SingleStream_256MiBEachWay_ArrivesByteExact()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            const long size = 256 * MiB;
            var watch = Stopwatch.StartNew();
            var clientStream = await client.OpenStreamAsync(bidirectional: true);
            var clientWrite = StreamData.WriteAsync(clientStream.Output, size, seed: 1);
            var serverStream = await server.AcceptStreamAsync();
            var serverWrite = StreamData.WriteAsync(serverStream.Output, size, seed: 2);
            var serverRead = StreamData.ReadToEndAsync(serverStream.Input);
            var clientRead = StreamData.ReadToEndAsync(clientStream.Input);

            var written = await Task.WhenAll(clientWrite, serverWrite).WaitAsync(TimeSpan.FromMinutes(2));
            var read = await Task.WhenAll(serverRead, clientRead).WaitAsync(TimeSpan.FromMinutes(2));
            output.WriteLine($"2 x 256 MiB in {watch.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(size, read[0].Length);
            Assert.Equal(size, read[1].Length);
            Assert.Equal(written[0], read[0].Hash);
            Assert.Equal(written[1], read[1].Hash);
            Assert.True(clientStream.IsLocallyInitiated);
            Assert.False(serverStream.IsLocallyInitiated);
            Assert.Equal(clientStream.StreamId, serverStream.StreamId);
        }
    }

    [Fact]
    public async Task SixtyFourConcurrentStreams_4MiBEachWay_ArriveByteExact()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            const int streams = 64;
            const long size = 4 * MiB;
            var serverSide = Task.Run(async () =>
            {
                var echoes = new List<Task<(long, byte[])>>();
                for (var i = 0; i < streams; i++)
                {
                    var stream = await server.AcceptStreamAsync();
                    echoes.Add(Task.Run(async () =>
                    {
                        var seed = (int)stream.StreamId + 1000;
                        var write = StreamData.WriteAsync(stream.Output, size, seed);
                        var read = await StreamData.ReadToEndAsync(stream.Input);
                        await write;
                        return read;
                    }));
                }

                return await Task.WhenAll(echoes);
            });

            var clientSide = Enumerable.Range(0, streams).Select(async i =>
            {
                var stream = await client.OpenStreamAsync(bidirectional: true);
                var sent = StreamData.WriteAsync(stream.Output, size, seed: (int)stream.StreamId);
                var received = await StreamData.ReadToEndAsync(stream.Input);
                return (stream.StreamId, Sent: await sent, Received: received);
            }).ToArray();

            var clientResults = await Task.WhenAll(clientSide).WaitAsync(TimeSpan.FromMinutes(2));
            var serverResults = await serverSide.WaitAsync(TimeSpan.FromMinutes(2));

            foreach (var (streamId, sent, received) in clientResults)
            {
                Assert.Equal(size, received.Length);
                Assert.Equal(await StreamData.WriteAsync(new HashingSink(), size, (int)streamId + 1000), received.Hash);
                Assert.Contains(serverResults, r => r.Item2.AsSpan().SequenceEqual(sent));
            }

            Assert.All(serverResults, r => Assert.Equal(size, r.Item1));
        }
    }

    [Fact]
    public async Task Fin_EachWay_IsSeenAsCompletion()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var clientStream = await client.OpenStreamAsync(bidirectional: true);
            await clientStream.Output.WriteAsync("hello"u8.ToArray());
            await clientStream.Output.CompleteAsync();

            var serverStream = await server.AcceptStreamAsync();
            var (length, _) = await StreamData.ReadToEndAsync(serverStream.Input);
            Assert.Equal(5, length);

            await serverStream.Output.WriteAsync("world!"u8.ToArray());
            await serverStream.Output.CompleteAsync();
            var back = await StreamData.ReadToEndAsync(clientStream.Input);
            Assert.Equal(6, back.Length);
        }
    }

    [Fact]
    public async Task UnidirectionalStream_FromServer_IsAcceptedByClientReadOnly()
    {
        await using var listener = QuicTestEnvironment.StartListener();
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            var uni = await server.OpenStreamAsync(bidirectional: false);
            Assert.False(uni.CanRead);
            Assert.True(uni.CanWrite);
            await uni.Output.WriteAsync("{\"type\":\"pong\"}"u8.ToArray());
            await uni.Output.CompleteAsync();

            var accepted = await client.AcceptStreamAsync();
            Assert.False(accepted.IsBidirectional);
            Assert.True(accepted.CanRead);
            Assert.False(accepted.CanWrite);
            var (length, _) = await StreamData.ReadToEndAsync(accepted.Input);
            Assert.Equal(15, length);
            Assert.Throws<InvalidOperationException>(() => accepted.Output.GetSpan());
        }
    }

    /// <summary>A writer that only hashes, to recompute the expected digest of a seeded payload.</summary>
    private sealed class HashingSink : System.IO.Pipelines.PipeWriter
    {
        private readonly byte[] _buffer = new byte[128 * 1024];

        public override void Advance(int bytes)
        {
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<System.IO.Pipelines.FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;
    }
}
