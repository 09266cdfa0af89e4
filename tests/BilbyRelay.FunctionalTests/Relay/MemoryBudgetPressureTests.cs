using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// <c>max_buffered_bytes</c> used up by senders whose receiver never reads: the relay counts what it holds for each
/// tunnel stream against the edge that sent it, so those heavy senders stop getting credit while light edges keep
/// their control stream and a healthy tunnel flowing, and everything recovers once the stalled readers are gone.
/// </summary>
public sealed class MemoryBudgetPressureTests
{
    private const long Budget = 2 * 1024 * 1024;
    private const int HeavySenders = 3;
    private const int StreamsPerSender = 4;

    // Relay-side connections: the heavy senders, the stalled receiver, the healthy sender and its receiver.
    private const int Connections = HeavySenders + 3;

    [Fact]
    public async Task StalledSendersFillTheBudget_LightEdgesKeepFlowing_AndWindowsRecoverWhenTheReadersLeave()
    {
        await using var relay = await InProcessRelay.StartAsync(c => c.MaxBufferedBytes = Budget);
        var stalledReceiver = await relay.ConnectEdgeAsync(SmallWindows());
        var stalledReceiverLeft = false;
        await using var healthySender = await relay.ConnectEdgeAsync(OwnSocket());
        await using var healthyReceiver = await relay.ConnectEdgeAsync(OwnSocket());
        var healthyTunnel = Guid.NewGuid();
        await TunnelPair.BindBothAsync(healthySender, healthyReceiver, healthyTunnel);

        var senders = new List<SimulatedEdge>();
        var secondTunnels = new List<Guid>();
        using var stop = new CancellationTokenSource();
        var written = new long[HeavySenders];
        var stalledStreams = new List<(int Sender, QuicStream Stream)>();
        try
        {
            for (var i = 0; i < HeavySenders; i++)
            {
                var sender = await relay.ConnectEdgeAsync(OwnSocket());
                senders.Add(sender);
                var stalledTunnel = Guid.NewGuid();
                await TunnelPair.BindBothAsync(sender, stalledReceiver, stalledTunnel);
                secondTunnels.Add(Guid.NewGuid());
                await TunnelPair.BindBothAsync(sender, healthyReceiver, secondTunnels[i]);
                for (var s = 0; s < StreamsPerSender; s++)
                {
                    stalledStreams.Add((i, await sender.OpenTunnelStreamAsync(stalledTunnel, TestTimeouts.Token())));
                    _ = await stalledReceiver.AcceptTunnelStreamAsync(TestTimeouts.Token()); // accepted, never read
                }
            }

            // Every stream is open before any fills the budget: a heavy sender cannot open streams any more.
            foreach (var (index, stream) in stalledStreams)
            {
                _ = PipeLoad.WriteUntilStoppedAsync(stream.Output, 64 * 1024, n => Interlocked.Add(ref written[index], n), stop.Token);
            }

            // Settled: neither the senders' writes nor what the relay holds for them move any more.
            var senderConnections = senders.Select(relay.ConnectionOf).ToArray();
            Func<long> progress = () => written.Sum() + senderConnections.Sum(c => c.Held.Bytes);
            await Polling.UntilNoProgressAsync(progress, TestTimeouts.Default);

            // The stalled senders used the budget up; each of them is heavy (what the relay holds for it, in its
            // receive buffers and in the send buffers towards the stalled receiver, leaves it no floor) and the light
            // healthy sender is not.
            var budget = relay.Budget;
            Assert.True(budget.Used + budget.Reserved >= budget.PressureThreshold, $"used {budget.Used} reserved {budget.Reserved}: the stalled senders did not fill the budget");
            var heavyHeld = senderConnections.Select(c => c.Held.Bytes).ToArray();
            Assert.All(heavyHeld, held => Assert.True(held >= QuicConnection.CreditFloor / 2, $"held for the heavy senders: {string.Join(", ", heavyHeld)}"));
            Assert.True(relay.ConnectionOf(healthySender).Held.Bytes < QuicConnection.CreditFloor);
            AssertHeavySendersBounded();

            // A light edge's control stream and tunnel still flow with the budget full...
            await healthySender.ExpectPongAsync();
            await TransferAsync(healthySender, healthyReceiver, healthyTunnel, seed: 7);
            await TransferAsync(healthySender, healthyReceiver, healthyTunnel, seed: 8);

            // ...while the heavy senders get credit only for room below the threshold (what the light edges' own
            // reservations leave while their bytes flow), never a floor: what the relay holds stays bounded.
            await Polling.UntilNoProgressAsync(progress, TestTimeouts.Default);
            AssertHeavySendersBounded();

            void AssertHeavySendersBounded()
            {
                var held = senderConnections.Select(c => c.Held.Bytes).ToArray();
                Assert.True(held.Sum() <= budget.PressureThreshold + (HeavySenders * QuicConnection.CreditFloor), $"held for the heavy senders: {string.Join(", ", held)}, threshold {budget.PressureThreshold}");
                Assert.True(budget.Used <= Budget + (Connections * QuicConnection.CreditFloor), $"used {budget.Used}");
            }

            // The stalled reader leaves: its streams end, what was held for the heavy senders is released...
            stalledReceiverLeft = true;
            await stalledReceiver.DisposeAsync();
            await Polling.UntilAsync(
                () => senderConnections.All(c => c.Held.Bytes == 0) && budget.Used < QuicConnection.CreditFloor,
                TestTimeouts.Default,
                () => $"held for the heavy senders: {string.Join(", ", senderConnections.Select(c => c.Held.Bytes))}, used {budget.Used}");

            // ...and their connection windows open again: each carries a whole transfer on its other tunnel.
            for (var i = 0; i < HeavySenders; i++)
            {
                await senders[i].ExpectPongAsync();
                await TransferAsync(senders[i], healthyReceiver, secondTunnels[i], seed: 10 + i);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var sender in senders)
            {
                await sender.DisposeAsync();
            }

            if (!stalledReceiverLeft)
            {
                await stalledReceiver.DisposeAsync();
            }
        }
    }

    private static async Task TransferAsync(SimulatedEdge from, SimulatedEdge to, Guid tunnel, int seed)
    {
        const int length = 1024 * 1024;
        var opened = await from.OpenTunnelStreamAsync(tunnel, TestTimeouts.Token());
        var accepted = await to.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var reading = TestPayload.ReadToEndAsync(accepted.Stream.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed, length).WaitAsync(TestTimeouts.Default);
        var received = await reading.WaitAsync(TestTimeouts.Default);
        Assert.Equal(length, received.Length);
        Assert.Equal(sent, received.Sha256);
    }

    // Each edge on its own socket, so the relay tells their connections apart by address.
    private static SimulatedEdgeOptions OwnSocket() => new() { OwnSocket = true };

    private static SimulatedEdgeOptions SmallWindows() => new()
    {
        OwnSocket = true,
        Transport = new QuicTransportSettings { StreamReceiveWindow = 64 * 1024, ConnectionReceiveWindow = 256 * 1024 },
    };
}
