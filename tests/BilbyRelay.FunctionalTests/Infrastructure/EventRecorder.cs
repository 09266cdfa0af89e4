using BilbyRelay.Core.Events;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// Drains the relay's event queue (as the manager link would) and lets a test await a particular
/// event. Every event seen is kept, so order and absence can be asserted too.
/// </summary>
internal sealed class EventRecorder : IDisposable
{
    private readonly List<RelayEvent> _seen = [];
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;

    public EventRecorder(EventQueue queue)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var relayEvent in queue.Reader.ReadAllAsync(_stop.Token))
                {
                    Record(relayEvent);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public IReadOnlyList<RelayEvent> Seen
    {
        get
        {
            lock (_lock)
            {
                return [.. _seen];
            }
        }
    }

    /// <summary>The first event (already seen or still to come) with this exact message.</summary>
    public Task<RelayEvent> WaitForAsync(string message) => WaitForAsync(e => e.Message == message);

    public Task<RelayEvent> WaitForAsync(Func<RelayEvent, bool> match) => WaitForAsync(match, occurrence: 1);

    /// <summary>The <paramref name="occurrence"/>-th event (1-based, already seen or still to come) that matches.</summary>
    public async Task<RelayEvent> WaitForAsync(Func<RelayEvent, bool> match, int occurrence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        var done = new TaskCompletionSource<RelayEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            int remaining = occurrence;
            foreach (var earlier in _seen)
            {
                if (match(earlier) && --remaining == 0)
                {
                    return earlier;
                }
            }

            _waiters.Add(new Waiter(match, remaining, done));
        }

        return await done.Task.WaitAsync(TestTimeouts.Default);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _pump.Wait(TestTimeouts.Default);
        _stop.Dispose();
    }

    private void Record(RelayEvent relayEvent)
    {
        lock (_lock)
        {
            _seen.Add(relayEvent);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (waiter.Match(relayEvent) && --waiter.Remaining == 0)
                {
                    waiter.Done.TrySetResult(relayEvent);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed class Waiter(Func<RelayEvent, bool> match, int remaining, TaskCompletionSource<RelayEvent> done)
    {
        public Func<RelayEvent, bool> Match { get; } = match;

        public int Remaining { get; set; } = remaining;

        public TaskCompletionSource<RelayEvent> Done { get; } = done;
    }
}
