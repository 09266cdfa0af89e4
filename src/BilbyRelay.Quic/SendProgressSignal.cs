using System.Threading.Tasks.Sources;

namespace BilbyRelay.Quic;

/// <summary>
/// One writer waiting for the loop to send a stream's queued bytes. Reused for every wait of its stream, so waiting
/// allocates nothing. The writer arms it and re-checks its condition; whoever sees the condition met first (the
/// writer on the re-check, the loop after sending, or an abort) releases it exactly once.
/// </summary>
internal sealed class SendProgressSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;

    /// <summary>Writer: true while a wait is armed and not yet released.</summary>
    public bool IsArmed => Volatile.Read(ref _armed) == 1;

    /// <summary>Writer: starts a wait; the caller re-checks its condition afterwards and releases if it already holds.</summary>
    public ValueTask Arm()
    {
        _core.Reset();
        Volatile.Write(ref _armed, 1);
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Any thread: ends the armed wait, if any; only the first caller completes it.</summary>
    public void Release()
    {
        if (Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
