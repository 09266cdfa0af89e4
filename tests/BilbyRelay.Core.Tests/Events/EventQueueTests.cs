using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Tests.Fakes;

namespace BilbyRelay.Core.Tests.Events;

public class EventQueueTests
{
    [Fact]
    public void Overflow_DropsOldestAndCounts()
    {
        var queue = new EventQueue(3, new ManualTimeProvider(), Logger.Null);
        for (int i = 0; i < 5; i++)
        {
            queue.Raise(EventSeverity.Info, EventCategory.Edge, "event " + i);
        }

        Assert.Equal(3, queue.Count);
        Assert.Equal(2, queue.DroppedCount);
        Assert.Equal(5, queue.EnqueuedCount);
        var left = new List<string>();
        while (queue.TryDequeue(out var e))
        {
            left.Add(e.Message);
        }

        Assert.Equal(["event 2", "event 3", "event 4"], left);
    }

    [Fact]
    public async Task RelayMetrics_ReadTheQueueLive()
    {
        await using var relay = new RelayHarness(eventQueueCapacity: 2);
        for (int i = 0; i < 3; i++)
        {
            var edge = relay.ConnectWithControl("10.7.0." + (i + 1));
            await edge.PingAsync();
        }

        Assert.Equal(2, relay.Relay.Metrics.EventQueueDepth);
        Assert.Equal(1, relay.Relay.Metrics.EventsDropped);
        relay.DrainEvents();
        Assert.Equal(0, relay.Relay.Metrics.EventQueueDepth);
    }

    [Fact]
    public async Task WaitAsync_CompletesWhenAnEventArrives()
    {
        var queue = new EventQueue(8, new ManualTimeProvider(), Logger.Null);
        var wait = queue.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        queue.Raise(EventSeverity.Warning, EventCategory.Tunnel, EventMessages.TunnelActive, "flow");
        Assert.True(await wait.WaitAsync(TestTimeouts.Operation));
        Assert.True(queue.TryDequeue(out var e));
        Assert.Equal("flow", e.FlowId);
    }

    [Fact]
    public void Raise_StampsRelayClockAndLogsBySeverity()
    {
        var time = new ManualTimeProvider();
        time.Advance(TimeSpan.FromMinutes(5));
        var sink = new ListLogSink();
        var queue = new EventQueue(8, time, new Logger(sink, "events", time));

        var raised = queue.Raise(EventSeverity.Critical, EventCategory.Manager, EventMessages.ManagerAuthenticationFailed("bad secret"));

        Assert.Equal(time.GetUtcNow(), raised.Timestamp);
        var entry = Assert.Single(sink.Entries);
        Assert.Equal(LogLevel.Critical, entry.Level);
        Assert.Contains("Manager authentication failed: bad secret", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_MatchTheProtocolTable()
    {
        Assert.Equal("Edge connected from 1.2.3.4:5", EventMessages.EdgeConnected("1.2.3.4:5"));
        Assert.Equal("Edge disconnected from [::1]:5", EventMessages.EdgeDisconnected("[::1]:5"));
        Assert.Equal("Edge connection failed: control stream error from 1.2.3.4:5", EventMessages.ControlStreamError("1.2.3.4:5"));
        Assert.Equal("Protocol version mismatch (edge=2, relay=1)", EventMessages.ProtocolVersionMismatch(2, 1));
        Assert.Equal(
            "Connection rejected: per-IP cap exceeded (64 active from 10.0.0.1)",
            EventMessages.PerIpCapExceeded(64, System.Net.IPAddress.Parse("10.0.0.1")));
        Assert.Equal("Manager connection lost, reconnecting: timeout", EventMessages.ManagerConnectionLostWithError("timeout"));
        Assert.Equal("Credential persistence failed: disk full", EventMessages.CredentialPersistenceFailed("disk full"));
    }
}
