using System.Threading.Tasks.Sources;

namespace BilbyRelay.Quic;

/// <summary>
/// One writer waiting for the loop to send a stream's queued bytes. Reused for every wait of its stream, so waiting
/// allocates nothing. The writer arms it and re-checks its condition; whoever sees the condition met first (the
/// writer on the re-check, the loop after sending, or an abort) releases it exactly once. A cancelled wait ends the
/// same way, once, with <c>false</c> instead of <c>true</c>.
/// </summary>
internal sealed class SendProgressSignal : IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;

    /// <summary>Writer: true while a wait is armed and not yet released.</summary>
    public bool IsArmed => Volatile.Read(ref _armed) == 1;

    /// <summary>
    /// Writer: starts a wait; the caller re-checks its condition afterwards and releases if it already holds. The wait
    /// ends with true when there is room, false when it was cancelled.
    /// </summary>
    public ValueTask<bool> Arm()
    {
        _core.Reset();
        Volatile.Write(ref _armed, 1);
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Any thread: ends the armed wait, if any, with room; only the first caller completes it.</summary>
    public void Release() => End(true);

    /// <summary>Any thread: ends the armed wait, if any, as cancelled; only the first caller completes it.</summary>
    public void Cancel() => End(false);

    private void End(bool room)
    {
        if (Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            _core.SetResult(room);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
