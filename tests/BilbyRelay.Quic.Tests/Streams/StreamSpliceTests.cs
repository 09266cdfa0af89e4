using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Streams;

/// <summary>
/// <see cref="QuicStream.SpliceInputToAsync"/>: what a server stream receives from one client goes into a stream towards
/// another client on the receiving loop, byte-exact, with FIN passed on, backpressure end to end and every way of
/// ending reported by the side that caused it.
/// </summary>
public sealed class StreamSpliceTests
{
    private const long SendBufferLimit = 1024 * 1024;
    private const long UnsentLimit = 256 * 1024;
    private const long ReceiveWindow = 128 * 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Splice_MovesEveryByteInOrderOnTheReceivingLoop_ThenPassesFinOn(int loops)
    {
        await using var listener = StartListener(loops);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: loops == 1);

        // Bytes that arrived before the splice began go first.
        var early = await StreamData.WriteAsync(tunnel.SenderStream.Output, 100_000, seed: 1, complete: false);
        await StreamData.BufferedWithoutConsumingAsync(tunnel.Input.Input, 100_001);
        long moved = 0;
        var offLoop = 0;
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, n =>
        {
            moved += n;
            if (!tunnel.FromSender.Endpoint.IsLoopThread)
            {
                offLoop++;
            }
        }, CancellationToken.None);

        var writing = StreamData.WriteAsync(tunnel.SenderStream.Output, 8L * 1024 * 1024, seed: 2);
        var receiverStream = await tunnel.Receiver.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
        Assert.Equal(new byte[1], await StreamData.ReadExactlyAsync(receiverStream.Input, 1));
        Assert.Equal(early, await HashOfAsync(receiverStream, 100_000));
        var (length, hash) = await StreamData.ReadToEndAsync(receiverStream.Input).WaitAsync(QuicTestEnvironment.Timeout);

        Assert.Equal(8L * 1024 * 1024, length);
        Assert.Equal(await writing, hash);
        Assert.Equal(QuicSpliceEnd.Finished, await splice.WaitAsync(QuicTestEnvironment.Timeout));
        Assert.Equal(1 + 100_000 + (8L * 1024 * 1024), moved);
        Assert.Equal(0, offLoop);
        await Polling.UntilAsync(() => tunnel.FromSender.Held.Bytes == 0, QuicTestEnvironment.Timeout, () => $"held {tunnel.FromSender.Held.Bytes}");
    }

    [Fact]
    public async Task Splice_AllocatesNothingPerPacketOnTheLoop()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        const long warmUp = 2L * 1024 * 1024;
        const long length = 32L * 1024 * 1024;
        long moved = 0;
        long allocatedAtWarmUp = -1;
        long allocatedAtEnd = -1;

        // Runs on the loop thread: what that thread allocated between the two samples is what forwarding cost it.
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, n =>
        {
            moved += n;
            if (allocatedAtWarmUp < 0 && moved >= warmUp)
            {
                allocatedAtWarmUp = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (moved == length + 1)
            {
                allocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
            }
        }, CancellationToken.None);
        var writing = StreamData.WriteAsync(tunnel.SenderStream.Output, length, seed: 5);
        var receiverStream = await tunnel.Receiver.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
        var (received, _) = await StreamData.ReadToEndAsync(receiverStream.Input).WaitAsync(QuicTestEnvironment.Timeout);
        await writing;

        Assert.Equal(QuicSpliceEnd.Finished, await splice.WaitAsync(QuicTestEnvironment.Timeout));
        Assert.Equal(length + 1, received);
        Assert.True(allocatedAtWarmUp >= 0 && allocatedAtEnd >= 0);

        // 30 MiB is some 25,000 packets each way: one allocation per packet would be hundreds of KiB. What remains is
        // occasional (the loop's work queue growing a segment, timers), a few KiB in all.
        Assert.InRange(allocatedAtEnd - allocatedAtWarmUp, 0, 32 * 1024);
    }

    [Fact]
    public async Task Splice_ToAReceiverThatDoesNotRead_HoldsLittleWhateverTheOutputLimits_ThenResumes()
    {
        // Output limits far above what a stalled receiver should cost: a splice that filled them would hold 4 MiB.
        const long largeLimit = 4L * 1024 * 1024;
        const int receiverWindow = 64 * 1024;
        await using var listener = StartListener(loops: 1, sendBufferLimit: largeLimit, unsentLimit: largeLimit);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true, receiverWindow: receiverWindow);

        // The receiver's window is used up before the splice starts (one byte more than it admits waits), so what
        // follows does not depend on how fast the congestion window opened towards it.
        await tunnel.Output.Output.WriteAsync(new byte[receiverWindow + 1]);
        await Polling.UntilAsync(() => tunnel.Output.IsFlowControlBlocked, QuicTestEnvironment.Timeout, () => "the receiver's window never closed");
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None);
        long written = 0;
        using var stop = new CancellationTokenSource();
        var writing = PipeLoad.WriteUntilStoppedAsync(tunnel.SenderStream.Output, 16 * 1024, n => Interlocked.Add(ref written, n), stop.Token);

        // The bytes wait for the receiving application, which already holds a window of unread bytes: the splice
        // queues at most the peer-blocked limit, plus what the sender's window had let in (and the first window, until
        // the receiver acknowledges it).
        await Polling.UntilNoProgressAsync(() => Interlocked.Read(ref written), QuicTestEnvironment.Timeout);
        var held = tunnel.FromSender.Held.Bytes;
        Assert.InRange(held, QuicStream.PeerBlockedUnsentLimit / 2, receiverWindow + 1 + QuicStream.PeerBlockedUnsentLimit + ReceiveWindow + (16 * 1024));
        Assert.False(splice.IsCompleted);

        // The receiver reads: credit flows again and the sender goes on.
        var receiverStream = await tunnel.Receiver.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
        var reading = PipeLoad.DrainUntilStoppedAsync(receiverStream.Input, CancellationToken.None);
        var before = Interlocked.Read(ref written);
        await Polling.UntilAsync(() => Interlocked.Read(ref written) > before + (4 * SendBufferLimit), QuicTestEnvironment.Timeout, () => $"written {Interlocked.Read(ref written) - before} more");
        await stop.CancelAsync();
        await writing;
        await tunnel.SenderStream.Output.CompleteAsync();
        Assert.Equal(QuicSpliceEnd.Finished, await splice.WaitAsync(QuicTestEnvironment.Timeout));
        await reading.WaitAsync(QuicTestEnvironment.Timeout);
    }

    [Fact]
    public async Task Splice_EndsWithInputFailed_WhenTheSenderResets()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None);
        await StreamData.WriteAsync(tunnel.SenderStream.Output, 64 * 1024, seed: 3, complete: false);

        tunnel.SenderStream.AbortWrite(9);

        Assert.Equal(QuicSpliceEnd.InputFailed, await splice.WaitAsync(QuicTestEnvironment.Timeout));
    }

    [Fact]
    public async Task Splice_EndsWithInputFailed_WhenTheSourcesConnectionEnds()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None);

        await tunnel.FromSender.DisposeAsync();

        Assert.Equal(QuicSpliceEnd.InputFailed, await splice.WaitAsync(QuicTestEnvironment.Timeout));
    }

    [Fact]
    public async Task Splice_EndsWithOutputFailed_WhenTheReceiverStopsReading()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var writing = PipeLoad.WriteUntilStoppedAsync(tunnel.SenderStream.Output, 16 * 1024, _ => { }, stop.Token);
        var receiverStream = await tunnel.Receiver.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);

        receiverStream.AbortRead(7);

        Assert.Equal(QuicSpliceEnd.OutputFailed, await splice.WaitAsync(QuicTestEnvironment.Timeout));
        await stop.CancelAsync();
        tunnel.SenderStream.Abort(0);
        await writing.WaitAsync(QuicTestEnvironment.Timeout);
    }

    [Fact]
    public async Task Splice_EndsWithCanceled_WhenTheTokenFires_AndLaterBytesGoToTheInputAgain()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        using var cancel = new CancellationTokenSource();
        var primeMoved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => primeMoved.TrySetResult(), cancel.Token);
        await primeMoved.Task.WaitAsync(QuicTestEnvironment.Timeout);

        await cancel.CancelAsync();

        Assert.Equal(QuicSpliceEnd.Canceled, await splice.WaitAsync(QuicTestEnvironment.Timeout));
        await tunnel.SenderStream.Output.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 1, 2, 3 }, await StreamData.ReadExactlyAsync(tunnel.Input.Input, 3).WaitAsync(QuicTestEnvironment.Timeout));
    }

    [Fact]
    public async Task Splice_Refuses_ASecondSpliceOfTheSameInput()
    {
        await using var listener = StartListener(loops: 1);
        await using var tunnel = await SplicedTunnel.ConnectAsync(listener, sameLoop: true);
        using var cancel = new CancellationTokenSource();
        var splice = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, cancel.Token);

        Assert.Throws<InvalidOperationException>(() => { _ = tunnel.Input.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None); });
        Assert.Throws<InvalidOperationException>(() => { _ = tunnel.Output.SpliceInputToAsync(tunnel.Output, _ => { }, CancellationToken.None); });
        await cancel.CancelAsync();
        Assert.Equal(QuicSpliceEnd.Canceled, await splice.WaitAsync(QuicTestEnvironment.Timeout));
    }

    private static QuicListener StartListener(int loops, long sendBufferLimit = SendBufferLimit, long unsentLimit = UnsentLimit) =>
        QuicTestEnvironment.StartListener(o =>
        {
            o.LoopsPerAddress = loops;
            o.Transport.InitialStreamReceiveWindow = ReceiveWindow;
            o.Transport.StreamReceiveWindow = ReceiveWindow;
            o.Transport.StreamSendBufferLimit = sendBufferLimit;
            o.Transport.StreamSendUnsentLimit = unsentLimit;
        });

    private static async Task<byte[]> HashOfAsync(QuicStream stream, int count) =>
        System.Security.Cryptography.SHA256.HashData(await StreamData.ReadExactlyAsync(stream.Input, count));

    /// <summary>
    /// A sender and a receiver client; on the server, the sender's stream (<see cref="Input"/>, one zero byte already
    /// sent) and a stream opened towards the receiver (<see cref="Output"/>) that carries the sender's bytes.
    /// </summary>
    private sealed class SplicedTunnel : IAsyncDisposable
    {
        private readonly QuicConnection[] _connections;

        private SplicedTunnel(QuicConnection[] connections, QuicStream senderStream, QuicStream input, QuicStream output)
        {
            _connections = connections;
            SenderStream = senderStream;
            Input = input;
            Output = output;
        }

        public QuicStream SenderStream { get; }

        public QuicStream Input { get; }

        public QuicStream Output { get; }

        public QuicConnection FromSender => Input.Connection;

        public QuicConnection Receiver => _connections[2];

        /// <summary>Connects receivers until one lands on the sender's loop (<paramref name="sameLoop"/>) or on another.</summary>
        public static async Task<SplicedTunnel> ConnectAsync(QuicListener listener, bool sameLoop, long receiverWindow = ReceiveWindow)
        {
            var (sender, fromSender) = await QuicTestEnvironment.ConnectPairAsync(listener);
            var spare = new List<QuicConnection>();
            try
            {
                for (var attempt = 0; attempt < 32; attempt++)
                {
                    var (receiver, toReceiver) = await QuicTestEnvironment.ConnectPairAsync(listener, o =>
                    {
                        // A socket of its own gives each receiver its own source port, which the kernel hashes to a loop.
                        o.UseDedicatedEndpoint = true;
                        o.Transport.StreamReceiveWindow = receiverWindow;
                    });
                    if ((toReceiver.Endpoint == fromSender.Endpoint) == sameLoop)
                    {
                        var (senderStream, input) = await StreamData.OpenAcceptedAsync(sender, fromSender, primeBytes: 1).WaitAsync(QuicTestEnvironment.Timeout);
                        var output = await toReceiver.OpenStreamAsync(bidirectional: true);
                        output.HoldOutputFor(fromSender.Held);
                        return new SplicedTunnel([sender, fromSender, receiver, toReceiver], senderStream, input, output);
                    }

                    spare.Add(receiver);
                    spare.Add(toReceiver);
                }

                throw new InvalidOperationException($"No receiver connection landed on {(sameLoop ? "the sender's loop" : "another loop")} in 32 attempts.");
            }
            finally
            {
                foreach (var connection in spare)
                {
                    await connection.DisposeAsync();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
