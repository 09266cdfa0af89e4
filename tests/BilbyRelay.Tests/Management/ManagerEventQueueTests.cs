using BilbyRelay.Management;

namespace BilbyRelay.Tests.Management;

public sealed class ManagerEventQueueTests
{
    [Fact]
    public void Enqueue_BeyondCapacity_DropsOldestAndCounts()
    {
        var queue = new ManagerEventQueue(capacity: 3);

        for (var i = 0; i < 5; i++)
        {
            queue.Emit(ManagerEventSeverity.Info, "edge", $"e{i}");
        }

        Assert.Equal(3, queue.Count);
        Assert.Equal(2, queue.DroppedCount);
        Assert.True(queue.TryPeek(out var head));
        Assert.Equal("e2", head.Message);
    }

    [Fact]
    public void RemoveDelivered_OnlyRemovesTheSameHead()
    {
        var queue = new ManagerEventQueue(capacity: 2);
        queue.Emit(ManagerEventSeverity.Info, "edge", "first");
        Assert.True(queue.TryPeek(out var peeked));

        // While "first" was being sent, overflow pushed it out.
        queue.Emit(ManagerEventSeverity.Info, "edge", "second");
        queue.Emit(ManagerEventSeverity.Info, "edge", "third");
        queue.RemoveDelivered(peeked);

        Assert.Equal(2, queue.Count);
        Assert.True(queue.TryPeek(out var head));
        Assert.Equal("second", head.Message);
        queue.RemoveDelivered(head);
        Assert.True(queue.TryPeek(out head));
        Assert.Equal("third", head.Message);
    }

    [Fact]
    public async Task WaitAsync_CompletesWhenAnEventArrives()
    {
        var queue = new ManagerEventQueue();
        var wait = queue.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);

        queue.Emit(ManagerEventSeverity.Warning, "manager", "x", "flow");

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(queue.WaitAsync(CancellationToken.None).IsCompleted);
        Assert.True(queue.TryPeek(out var e));
        Assert.Equal("flow", e.FlowId);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        var queue = new ManagerEventQueue();
        using var cts = new CancellationTokenSource();
        var wait = queue.WaitAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }
}
