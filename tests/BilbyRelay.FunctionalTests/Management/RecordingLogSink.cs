using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>Keeps every log entry and lets a test await one matching a predicate.</summary>
internal sealed class RecordingLogSink : LogSink
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Waiter)> _waiters = [];

    public RecordingLogSink()
    {
        MinimumLevel = LogLevel.Trace;
    }

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public override void Write(in LogEntry entry)
    {
        List<TaskCompletionSource<LogEntry>> matched = [];
        lock (_gate)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    matched.Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(entry);
        }
    }

    /// <summary>The first entry (already logged or future) matching <paramref name="match"/>.</summary>
    public Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan? timeout = null)
    {
        var waiter = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if (match(entry))
                {
                    return Task.FromResult(entry);
                }
            }

            _waiters.Add((match, waiter));
        }

        return waiter.Task.WaitAsync(timeout ?? TestTimeouts.Default);
    }

    /// <summary>The <paramref name="count"/>-th entry with event id <paramref name="eventId"/> (1-based).</summary>
    public Task<LogEntry> WaitForEventIdAsync(int eventId, int count = 1, TimeSpan? timeout = null)
    {
        var seen = 0;
        var gate = new Lock();
        return WaitForAsync(
            entry =>
            {
                if (entry.EventId != eventId)
                {
                    return false;
                }

                lock (gate)
                {
                    return ++seen >= count;
                }
            },
            timeout);
    }
}
