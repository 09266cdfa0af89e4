using System.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerBackpressureTests
{
    [Fact]
    public async Task ManagerStopsReading_ReportsSkippedQueueBoundedAndStopIsPrompt()
    {
        await using var manager = await FakeManager.StartAsync();
        const int capacity = 64;
        var options = ManagerClientHarness.Options([manager.Url], manager.Fingerprint, statsInterval: TimeSpan.FromMilliseconds(20));
        await using var harness = new ManagerClientHarness(options, eventCapacity: capacity);

        harness.Client.Start();
        var connection = await manager.NextAuthenticatedConnectionAsync();

        // From here on the manager reads nothing. Large events fill the socket buffers; once the
        // socket is full the relay's queue overflows (oldest dropped) instead of growing, and stats
        // ticks (every 20 ms) are skipped because one report is already waiting for the socket.
        var details = new string('x', 64 * 1024);
        var emitted = 0;
        var deadline = Stopwatch.StartNew();
        while (harness.Events.DroppedCount == 0 || harness.Client.Counters.StatsSkipped < 3)
        {
            Assert.True(deadline.Elapsed < TestTimeouts.Default, $"no backpressure after {emitted} events: dropped {harness.Events.DroppedCount}, stats skipped {harness.Client.Counters.StatsSkipped}");
            for (var i = 0; i < capacity; i++, emitted++)
            {
                harness.Events.Raise(EventSeverity.Info, EventCategory.Edge, $"bulk {emitted}", null, details);
            }

            await Task.Delay(10);
        }

        Assert.InRange(harness.Events.Count, 1, capacity);
        Assert.InRange(harness.Relay.StatsCalls, 0, harness.Client.Counters.StatsSent + 1);

        // Emitting never blocks, the status is readable, and shutdown does not wait for the stalled socket.
        var emit = Stopwatch.StartNew();
        harness.Events.Raise(EventSeverity.Warning, EventCategory.Edge, "still non-blocking");
        Assert.InRange(emit.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.True(harness.Client.Status.Connected);

        var stop = Stopwatch.StartNew();
        await harness.Client.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.InRange(stop.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
    }
}
