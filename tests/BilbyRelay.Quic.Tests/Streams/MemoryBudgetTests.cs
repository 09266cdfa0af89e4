using System.IO.Pipelines;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Streams;

/// <summary>
/// <see cref="QuicMemoryBudget"/> over real connections: every byte charged is released exactly once, stalled
/// readers cannot make the engine hold much more than the budget, credit flows again once usage falls, and
/// datagrams that do not fit are refused with their own reason.
/// </summary>
public sealed class MemoryBudgetTests
{
    private const int Streams = 8;
    private const long MaxStreamWindow = 128 * 1024;
    private const long ServerSendLimit = 1024 * 1024;

    [Fact]
    public void Budget_ChargesAndReleasesAndRefusesDatagramsPastTheLimit()
    {
        var budget = new QuicMemoryBudget(1024 * 1024);

        Assert.Equal(1024 * 1024 - (128 * 1024), budget.PressureThreshold);
        budget.Charge(900 * 1024);
        Assert.True(budget.IsUnderPressure);
        Assert.True(budget.TryCharge(124 * 1024));
        Assert.False(budget.TryCharge(1));
        Assert.Equal(1024 * 1024, budget.Used);
        budget.Release(1024 * 1024);
        Assert.Equal(0, budget.Used);
        Assert.False(budget.IsUnderPressure);
    }

    [Fact]
    public void Credit_IsReservedUpToTheThreshold_ThenOnlyTheFloor_WhateverTheUsage()
    {
        var budget = new QuicMemoryBudget(1024 * 1024);
        const long floor = 64 * 1024;

        // Room below the threshold is granted, however much is wanted.
        Assert.Equal(budget.PressureThreshold, budget.TryReserve(long.MaxValue / 2, floor));
        Assert.True(budget.IsUnderPressure);

        // Past the threshold a connection that holds little still gets its floor, one that holds much nothing...
        Assert.Equal(floor, budget.TryReserve(1024 * 1024, floor));
        Assert.Equal(0, budget.TryReserve(1024 * 1024, 0));

        // ...even with usage at the limit: what a light connection sends flows on, so it must not freeze.
        budget.Unreserve(budget.Reserved);
        budget.Charge(1024 * 1024);
        Assert.Equal(floor, budget.TryReserve(1024 * 1024, floor));
        Assert.Equal(0, budget.TryReserve(1024 * 1024, -floor));

        budget.Unreserve(budget.Reserved);
        budget.Release(1024 * 1024);
        Assert.Equal(100, budget.TryReserve(100, 0));
        Assert.Equal(100, budget.Reserved);
    }

    [Fact]
    public async Task Transfers_ReleaseEveryChargedByteOnceTheConnectionsAreGone()
    {
        var serverBudget = new QuicMemoryBudget(long.MaxValue);
        var clientBudget = new QuicMemoryBudget(long.MaxValue);
        await using var listener = QuicTestEnvironment.StartListener(o => o.Transport.MemoryBudget = serverBudget);
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.MemoryBudget = clientBudget);
        await using (client)
        await using (server)
        {
            var clientStream = await client.OpenStreamAsync(bidirectional: true);
            var sending = StreamData.WriteAsync(clientStream.Output, 4 * 1024 * 1024, seed: 1);
            var serverStream = await server.AcceptStreamAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
            var echoing = EchoToEndAsync(serverStream);
            var (length, echoed) = await StreamData.ReadToEndAsync(clientStream.Input).WaitAsync(QuicTestEnvironment.Timeout);
            await echoing.WaitAsync(QuicTestEnvironment.Timeout);
            Assert.Equal(4 * 1024 * 1024, length);
            Assert.Equal(await sending, echoed);

            // A datagram queued and sent is charged while queued only.
            Assert.Equal(QuicDatagramSendResult.Queued, server.SendDatagram(new byte[100]));
        }

        // Disposal frees both connections: nothing may stay charged, and nothing may have been released twice.
        await Polling.UntilAsync(
            () => serverBudget.Used == 0 && clientBudget.Used == 0 && serverBudget.Reserved == 0 && clientBudget.Reserved == 0,
            QuicTestEnvironment.Timeout,
            () => $"server {serverBudget.Used} used {serverBudget.Reserved} reserved, client {clientBudget.Used} used {clientBudget.Reserved} reserved");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StalledReaders_AreHeldNearTheBudget_AndResumeOnceItFrees(bool budgeted)
    {
        // The server echoes every stream; the client writes as fast as it can and reads nothing, so the echo backs up
        // into the server's send buffers. Without a budget the server holds about Streams x ServerSendLimit (8 MiB).
        const long limit = 2 * 1024 * 1024;
        var budget = new QuicMemoryBudget(budgeted ? limit : long.MaxValue);
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.MemoryBudget = budget;
            o.Transport.InitialStreamReceiveWindow = 64 * 1024;
            o.Transport.StreamReceiveWindow = MaxStreamWindow;
            o.Transport.StreamSendBufferLimit = ServerSendLimit;
            o.Transport.StreamSendUnsentLimit = ServerSendLimit;
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener, o =>
        {
            o.Transport.StreamReceiveWindow = 64 * 1024;
            o.Transport.StreamSendBufferLimit = 256 * 1024;
        });
        await using (client)
        await using (server)
        {
            using var stop = new CancellationTokenSource();
            var written = new long[Streams];
            var clientStreams = new List<QuicStream>();
            // Streams whose first bytes find no connection credit reach the server only once the budget frees.
            var accepted = 0;
            var echoing = EchoEveryStreamAsync(server, () => Interlocked.Increment(ref accepted), stop.Token);
            for (var i = 0; i < Streams; i++)
            {
                var stream = await client.OpenStreamAsync(bidirectional: true);
                clientStreams.Add(stream);
                var index = i;
                _ = PipeLoad.WriteUntilStoppedAsync(stream.Output, 16 * 1024, n => Interlocked.Add(ref written[index], n), stop.Token);
            }

            if (budgeted)
            {
                // The echo's output counts for the client that sent it, so the client is heavy: it gets no floor, and
                // usage stops where used plus reserved reach the pressure threshold (well below the limit).
                await Polling.UntilNoProgressAsync(() => written.Sum(), QuicTestEnvironment.Timeout);
                var held = budget.Used;
                Assert.True(budget.IsUnderPressure, $"held {held}");
                Assert.True(server.Held.Bytes == held && held <= limit, $"held {held} reserved {budget.Reserved} accepted {accepted}, written {string.Join(", ", written)}");
            }
            else
            {
                // Without a budget the same load comes to hold far more: awaited rather than read after a quiet
                // half-second, which a busy machine can produce before the writers are really blocked.
                await Polling.UntilAsync(
                    () => budget.Used > limit + (Streams * MaxStreamWindow),
                    QuicTestEnvironment.Timeout,
                    () => $"held {budget.Used}: the scenario does not exercise the budget (accepted {accepted}, written {string.Join(", ", written)})");
            }

            // The client starts reading: the echo drains, usage falls and withheld credit flows again.
            var before = written.Sum();
            var readers = clientStreams.Select(s => PipeLoad.DrainUntilStoppedAsync(s.Input, stop.Token)).ToList();
            await Polling.UntilAsync(() => written.Sum() >= before + (8 * 1024 * 1024), QuicTestEnvironment.Timeout, () => $"written {written.Sum() - before} more");
            await Polling.UntilAsync(() => Volatile.Read(ref accepted) == Streams, QuicTestEnvironment.Timeout, () => $"accepted {accepted} streams");
            await stop.CancelAsync();
            await echoing;
        }
    }

    [Fact]
    public async Task SplicedOutput_IsHeldForTheConnectionWhosePeerSentIt()
    {
        // The server copies a stream from one client into a stream towards another client that never reads (what the
        // relay's splice does): what piles up in that output counts for the sending client's connection.
        var budget = new QuicMemoryBudget(long.MaxValue);
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.MemoryBudget = budget;
            o.Transport.StreamSendBufferLimit = ServerSendLimit;
        });
        var (sender, fromSender) = await QuicTestEnvironment.ConnectPairAsync(listener);
        var (receiver, toReceiver) = await QuicTestEnvironment.ConnectPairAsync(listener, o => o.Transport.StreamReceiveWindow = 64 * 1024);
        await using (sender)
        await using (fromSender)
        await using (receiver)
        await using (toReceiver)
        {
            using var stop = new CancellationTokenSource();
            var (senderStream, input) = await StreamData.OpenAcceptedAsync(sender, fromSender, primeBytes: 1).WaitAsync(QuicTestEnvironment.Timeout);
            var output = await toReceiver.OpenStreamAsync(bidirectional: true);
            output.HoldOutputFor(fromSender.Held);
            var copying = input.Input.CopyToAsync(output.Output, stop.Token);
            long written = 0;
            _ = PipeLoad.WriteUntilStoppedAsync(senderStream.Output, 16 * 1024, n => Interlocked.Add(ref written, n), stop.Token);

            await Polling.UntilNoProgressAsync(() => Interlocked.Read(ref written), QuicTestEnvironment.Timeout);
            Assert.True(fromSender.Held.Bytes > 256 * 1024, $"held for the sender {fromSender.Held.Bytes}: the output did not back up");
            Assert.Equal(0, toReceiver.Held.Bytes);
            Assert.Equal(budget.Used, fromSender.Held.Bytes);
            Assert.Throws<InvalidOperationException>(() => output.HoldOutputFor(toReceiver.Held));

            // The receiver goes away: the copy fails, its input is dropped, and nothing stays held for the sender.
            await receiver.DisposeAsync();
            await Assert.ThrowsAsync<QuicStreamAbortedException>(() => copying.WaitAsync(QuicTestEnvironment.Timeout));
            await input.Input.CompleteAsync();
            await Polling.UntilAsync(() => fromSender.Held.Bytes == 0 && budget.Used == 0, QuicTestEnvironment.Timeout, () => $"held for the sender {fromSender.Held.Bytes}, used {budget.Used}");
            // The sender's writer ends with its connection (a flush waiting for flow control does not see the token).
            await stop.CancelAsync();
        }
    }

    [Fact]
    public async Task Datagram_ThatDoesNotFitTheBudget_IsRefusedAndCounted()
    {
        const int window = 64 * 1024;
        var budget = new QuicMemoryBudget(window);
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.Transport.MemoryBudget = budget;
            o.Transport.InitialStreamReceiveWindow = window;
            o.Transport.StreamReceiveWindow = window;
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        await using (server)
        {
            // An unread stream fills the whole budget.
            var (_, serverStream) = await StreamData.OpenAcceptedAsync(client, server, primeBytes: window).WaitAsync(QuicTestEnvironment.Timeout);
            var input = serverStream.Input;
            var buffered = await input.ReadAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
            while (buffered.Buffer.Length < window)
            {
                input.AdvanceTo(buffered.Buffer.Start, buffered.Buffer.End);
                buffered = await input.ReadAsync().AsTask().WaitAsync(QuicTestEnvironment.Timeout);
            }

            Assert.Equal(window, budget.Used);

            Assert.Equal(QuicDatagramSendResult.MemoryBudget, server.SendDatagram(new byte[1000]));
            Assert.Equal(1, server.DatagramsDroppedMemoryBudget);

            // Consuming frees the budget; the next datagram is queued.
            input.AdvanceTo(buffered.Buffer.End);
            Assert.Equal(0, budget.Used);
            Assert.Equal(QuicDatagramSendResult.Queued, server.SendDatagram(new byte[1000]));
        }
    }

    private static async Task EchoEveryStreamAsync(QuicConnection server, Action onAccepted, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var stream = await server.AcceptStreamAsync(stop);
                onAccepted();
                _ = stream.Input.CopyToAsync(stream.Output, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task EchoToEndAsync(QuicStream stream)
    {
        await stream.Input.CopyToAsync(stream.Output);
        await stream.Output.CompleteAsync();
    }
}
