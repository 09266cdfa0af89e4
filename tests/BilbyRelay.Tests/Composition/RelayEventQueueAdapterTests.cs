using BilbyRelay.Composition;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;

namespace BilbyRelay.Tests.Composition;

public sealed class RelayEventQueueAdapterTests
{
    private static (EventQueue Queue, RelayEventQueueAdapter Adapter) Create(int capacity = 16)
    {
        var queue = new EventQueue(capacity, TimeProvider.System, Logger.Null);
        return (queue, new RelayEventQueueAdapter(queue));
    }

    [Fact]
    public void PeekSendRemove_DeliversEventsInOrder()
    {
        var (_, adapter) = Create();
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "first");
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "second");

        Assert.True(adapter.TryPeek(out var head));
        Assert.Equal("first", head.Message);
        adapter.RemoveDelivered(head);
        Assert.True(adapter.TryPeek(out head));
        Assert.Equal("second", head.Message);
        adapter.RemoveDelivered(head);

        Assert.False(adapter.TryPeek(out _));
    }

    [Fact]
    public void FailedSend_EventStaysFirstInLine()
    {
        var (_, adapter) = Create();
        adapter.Emit(EventSeverity.Warning, EventCategory.Manager, "unsent");
        Assert.True(adapter.TryPeek(out var attempted));

        // The send failed: nothing is removed, and a later event does not overtake it.
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "later");

        Assert.True(adapter.TryPeek(out var again));
        Assert.Same(attempted, again);
        Assert.Equal("unsent", again.Message);
    }

    [Fact]
    public void OverflowWhileInFlight_KeepsTheEventBeingSentAndDropsTheOldestQueued()
    {
        var (queue, adapter) = Create(capacity: 2);
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "first");
        Assert.True(adapter.TryPeek(out var inFlight));

        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "second");
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "third");
        adapter.Emit(EventSeverity.Info, EventCategory.Edge, "fourth");

        Assert.Equal(1, queue.DroppedCount);
        Assert.True(adapter.TryPeek(out var stillInFlight));
        Assert.Same(inFlight, stillInFlight);
        adapter.RemoveDelivered(inFlight);
        Assert.True(adapter.TryPeek(out var next));
        Assert.Equal("third", next.Message);
    }

    [Fact]
    public void RemoveDelivered_OtherEvent_LeavesTheHead()
    {
        var (queue, adapter) = Create();
        var stranger = queue.Raise(EventSeverity.Info, EventCategory.Edge, "stranger");
        Assert.True(adapter.TryPeek(out var head));
        Assert.Same(stranger, head);

        adapter.RemoveDelivered(new RelayEvent(EventSeverity.Info, EventCategory.Edge, "stranger", null, null, DateTimeOffset.UnixEpoch));

        Assert.True(adapter.TryPeek(out var again));
        Assert.Same(head, again);
    }

    [Fact]
    public void BeyondCapacity_DropsOldestAndCounts()
    {
        var (queue, adapter) = Create(capacity: 3);

        for (var i = 0; i < 5; i++)
        {
            adapter.Emit(EventSeverity.Info, EventCategory.Edge, $"e{i}");
        }

        Assert.Equal(3, queue.Count);
        Assert.Equal(2, queue.DroppedCount);
        Assert.True(adapter.TryPeek(out var head));
        Assert.Equal("e2", head.Message);
    }

    [Fact]
    public void Emit_RaisesOnTheRelayQueueWithCategorySeverityAndFlow()
    {
        var (queue, adapter) = Create();

        adapter.Emit(EventSeverity.Critical, EventCategory.Manager, "Manager authentication failed: bad token", "flow-1");

        Assert.True(queue.TryDequeue(out var raised));
        Assert.Equal(EventSeverity.Critical, raised.Severity);
        Assert.Equal(EventCategory.Manager, raised.Category);
        Assert.Equal("Manager authentication failed: bad token", raised.Message);
        Assert.Equal("flow-1", raised.FlowId);
    }

    [Fact]
    public async Task WaitAsync_CompletesWhenAnEventArrives()
    {
        var (_, adapter) = Create();
        var wait = adapter.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);

        adapter.Emit(EventSeverity.Warning, EventCategory.Tunnel, "x", "flow");

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(adapter.TryPeek(out var e));
        Assert.Equal("flow", e.FlowId);
        Assert.True(adapter.WaitAsync(CancellationToken.None).IsCompleted, "an event in flight must not be waited for");
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        var (_, adapter) = Create();
        using var cts = new CancellationTokenSource();
        var wait = adapter.WaitAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
