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
    private readonly List<(Func<RelayEvent, bool> Match, TaskCompletionSource<RelayEvent> Done)> _waiters = [];
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

    public async Task<RelayEvent> WaitForAsync(Func<RelayEvent, bool> match)
    {
        var done = new TaskCompletionSource<RelayEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var earlier = _seen.FirstOrDefault(match);
            if (earlier is not null)
            {
                return earlier;
            }

            _waiters.Add((match, done));
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
                if (_waiters[i].Match(relayEvent))
                {
                    _waiters[i].Done.TrySetResult(relayEvent);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
