namespace BilbyRelay.Management;

/// <summary>
/// A bounded FIFO of operator events (PROTOCOL.md §4): when full, the oldest event is dropped and
/// counted, so memory never grows while the manager is away. Thread-safe: any thread emits, one
/// consumer (the manager session) drains. All state is guarded by <c>_gate</c>.
/// </summary>
internal sealed class ManagerEventQueue : IRelayEventSource, IRelayEventSink
{
    public const int DefaultCapacity = 4096;

    private readonly Lock _gate = new();
    private readonly Queue<ManagerEvent> _events;
    private readonly TimeProvider _time;
    private TaskCompletionSource? _waiter;
    private long _dropped;

    public ManagerEventQueue(int capacity = DefaultCapacity, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _events = new Queue<ManagerEvent>(Math.Min(capacity, 256));
        _time = time ?? TimeProvider.System;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Events dropped because the queue was full (exported as a metric by the host).</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    public void Emit(ManagerEventSeverity severity, string category, string message, string? flowId = null) =>
        Enqueue(new ManagerEvent(severity, category, message, flowId, null, _time.GetUtcNow()));

    public void Enqueue(in ManagerEvent managerEvent)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (_events.Count >= Capacity)
            {
                _events.Dequeue();
                Interlocked.Increment(ref _dropped);
            }

            _events.Enqueue(managerEvent);
            waiter = _waiter;
            _waiter = null;
        }

        // Completed outside the lock: continuations run asynchronously, never on the emitter's thread.
        waiter?.TrySetResult();
    }

    public bool TryPeek(out ManagerEvent managerEvent)
    {
        lock (_gate)
        {
            return _events.TryPeek(out managerEvent);
        }
    }

    public void RemoveDelivered(in ManagerEvent delivered)
    {
        lock (_gate)
        {
            if (_events.TryPeek(out var head) && head == delivered)
            {
                _events.Dequeue();
            }
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_events.Count > 0)
            {
                return ValueTask.CompletedTask;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _waiter.Task;
        }

        return new ValueTask(wait.WaitAsync(cancellationToken));
    }
}
