namespace BilbyRelay.LoadGen;

/// <summary>
/// How one resource moved between the start and the end of the measured part of a soak: <see cref="First"/> and
/// <see cref="Last"/> are the windows' <see cref="Statistic"/> ("mean" or "floor"), the one judged; the means are
/// also kept for information.
/// </summary>
public sealed record SoakTrend(string Metric, string Statistic, double First, double Last, double Limit, double FirstMean, double LastMean, bool Judged = true)
{
    public double Growth => Last - First;

    public double GrowthPercent => First > 0 ? 100 * Growth / First : 0;

    /// <summary>True when the growth is within the limit, or when the run was too short to judge this resource.</summary>
    public bool Flat => !Judged || Growth <= Limit;

    public string Verdict => !Judged ? "not judged (short run)" : Growth <= Limit ? "flat" : "GREW";

    public string Describe() => FormattableString.Invariant(
        $"{Metric,-8} {Statistic,-5} first {First,8:0.##}  last {Last,8:0.##}  {GrowthPercent,6:+0.0;-0.0} %  {Verdict}  (means {FirstMean:0.##}, {LastMean:0.##})");
}

/// <summary>
/// The soak's flatness rule. Warm-up is left out: the first <see cref="WarmUpFraction"/> of the run or its first
/// <see cref="WarmUpAtLeast"/>, whichever is longer, but never more than half of it (pools fill and the GC settles on
/// its heap size within about five minutes). Of the rest, the first and the last <see cref="WindowFraction"/> are
/// compared: RSS by the windows' means (the GC's sawtooth averages out, while one low sample after a full collection
/// would move a floor), open fds and threads by their floors, the lowest sample in each (a leaked thread or fd raises
/// the floor; thread-pool threads injected while a busy machine delays work, which retire after 20 s idle, do not).
/// Flat: the last exceeds the first by at most <see cref="Tolerance"/> of it (for fds and threads at least one, since
/// a count of 20 cannot move by 10 %). Only growth fails: memory given back is not a leak. RSS and threads are judged
/// only in runs of at least <see cref="MinimumRunForSettledTrends"/>: RSS still settles in a shorter one, and its
/// 30-second windows are shorter than the thread pool keeps an injected thread, so a busy last half minute raises
/// the floor without anything leaking.
/// </summary>
public static class SoakVerdict
{
    public const double WarmUpFraction = 0.10;

    public static readonly TimeSpan WarmUpAtLeast = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan MinimumRunForSettledTrends = TimeSpan.FromMinutes(20);

    public const double WindowFraction = 0.10;

    public const double Tolerance = 0.10;

    /// <summary>The whole pass rule: no crash, every byte exact, every transfer done, every edge cleaned up, flat.</summary>
    public static bool Passes(double crashes, double byteErrors, double transferFailures, bool cleanedUp, IReadOnlyList<SoakTrend>? trends) =>
        crashes == 0 && byteErrors == 0 && transferFailures == 0 && cleanedUp && trends is { } t && t.All(trend => trend.Flat);

    public static IReadOnlyList<SoakTrend> Trends(IReadOnlyList<SoakSample> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples");
        }

        var start = samples[0].Seconds;
        var end = samples[^1].Seconds;
        var span = end - start;
        var warmUp = Math.Max(WarmUpFraction * span, Math.Min(WarmUpAtLeast.TotalSeconds, span / 2));
        var measuredFrom = start + warmUp;
        var window = WindowFraction * (end - measuredFrom);
        var first = samples.Where(s => s.Seconds >= measuredFrom && s.Seconds <= measuredFrom + window).ToList();
        var last = samples.Where(s => s.Seconds >= end - window).ToList();
        if (first.Count == 0 || last.Count == 0 || ReferenceEquals(first[0], last[0]) && first.Count == 1)
        {
            throw new ArgumentException($"too few samples ({samples.Count}) for a first and a last window after warm-up");
        }

        return
        [
            Trend("rss_mib", byFloor: false, first, last, s => s.RssMiB, minimumLimit: 0) with { Judged = span >= MinimumRunForSettledTrends.TotalSeconds },
            Trend("fds", byFloor: true, first, last, s => s.Fds, minimumLimit: 1),
            Trend("threads", byFloor: true, first, last, s => s.Threads, minimumLimit: 1) with { Judged = span >= MinimumRunForSettledTrends.TotalSeconds },
        ];
    }

    private static SoakTrend Trend(string metric, bool byFloor, List<SoakSample> first, List<SoakSample> last, Func<SoakSample, double> value, double minimumLimit)
    {
        var (a, b) = byFloor ? (first.Min(value), last.Min(value)) : (first.Average(value), last.Average(value));
        return new SoakTrend(metric, byFloor ? "floor" : "mean", a, b, Math.Max(Tolerance * a, minimumLimit), first.Average(value), last.Average(value));
    }
}
