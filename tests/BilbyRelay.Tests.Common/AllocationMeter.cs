namespace BilbyRelay.Tests.Common;

/// <summary>
/// Measures what a steady-state operation allocates on the calling thread, without the one-off costs that
/// made single measurements flaky on a fresh machine: first-call JIT work, tier-up and lazily created
/// runtime data can land inside any one measured window. The operation runs once to warm up, then
/// <see cref="MeasuredRounds"/> times, each measured; the smallest figure is returned. Code that allocates
/// on every call allocates in every round, so its minimum stays above zero and the assertion still fails.
/// </summary>
public static class AllocationMeter
{
    public const int MeasuredRounds = 5;

    /// <summary>How often <see cref="MinimumBytesPerRound"/> calls its operation: the warm-up plus the measured rounds.</summary>
    public const int TotalRounds = MeasuredRounds + 1;

    /// <summary>
    /// The fewest bytes any measured round of <paramref name="round"/> allocated on this thread. The round must
    /// not await: only the calling thread is measured.
    /// </summary>
    public static long MinimumBytesPerRound(Action round)
    {
        round();
        long minimum = long.MaxValue;
        for (int i = 0; i < MeasuredRounds; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            minimum = Math.Min(minimum, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return minimum;
    }
}
