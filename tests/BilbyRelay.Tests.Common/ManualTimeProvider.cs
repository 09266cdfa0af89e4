namespace BilbyRelay.Tests.Common;

/// <summary>
/// A clock that moves only when the test says so. Timers created from it fire on the thread that calls
/// <see cref="Advance"/>, in due-time order, each as often as its period fits into the advanced span.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks;

    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => s_start.AddTicks(Interlocked.Read(ref _ticks));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = Interlocked.Read(ref _ticks) + by.Ticks;
        while (NextDue(target) is { } timer)
        {
            Interlocked.Exchange(ref _ticks, timer.DueTicks);
            timer.Fire();
        }

        Interlocked.Exchange(ref _ticks, target);
    }

    /// <summary>
    /// Moves the clock backwards without firing anything: what a monotonic clock should never do, for code that must
    /// still behave when it does.
    /// </summary>
    public void StepBackward(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _ticks, -by.Ticks);
    }

    /// <summary>
    /// Whether a running timer repeats every <paramref name="period"/> (a <see cref="PeriodicTimer"/>'s, for one), so a
    /// test can wait for the code under test to start its timer before moving the clock.
    /// </summary>
    public bool HasRunningTimer(TimeSpan period)
    {
        lock (_gate)
        {
            return _timers.Any(t => t.PeriodTicks == period.Ticks && t.DueTicks != long.MaxValue);
        }
    }

    private ManualTimer? NextDue(long target)
    {
        lock (_gate)
        {
            return _timers.Where(t => t.DueTicks <= target).MinBy(t => t.DueTicks);
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _periodTicks;

        public long PeriodTicks => _periodTicks;

        /// <summary>When it fires next; <see cref="long.MaxValue"/> when stopped.</summary>
        public long DueTicks { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            DueTicks = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : owner.GetTimestamp() + dueTime.Ticks;
            return true;
        }

        public void Fire()
        {
            DueTicks = _periodTicks > 0 ? DueTicks + _periodTicks : long.MaxValue;
            callback(state);
        }

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
