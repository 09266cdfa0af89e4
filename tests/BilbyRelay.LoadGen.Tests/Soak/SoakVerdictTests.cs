using BilbyRelay.LoadGen;

namespace BilbyRelay.LoadGen.Tests.Soak;

public sealed class SoakVerdictTests
{
    /// <summary>A 60-minute run sampled every 5 s, with RSS, fds and threads given as functions of the minute.</summary>
    private static List<SoakSample> Run(Func<double, double> rss, Func<double, int>? fds = null, Func<double, int>? threads = null) =>
        Enumerable.Range(0, 721).Select(i => i * 5.0).Select(s => new SoakSample
        {
            Seconds = s,
            RssMiB = rss(s / 60),
            Fds = fds?.Invoke(s / 60) ?? 22,
            Threads = threads?.Invoke(s / 60) ?? 18,
        }).ToList();

    private static SoakTrend Trend(IReadOnlyList<SoakSample> samples, string metric) =>
        SoakVerdict.Trends(samples).Single(t => t.Metric == metric);

    [Fact]
    public void Steady_IsFlat()
    {
        var trends = SoakVerdict.Trends(Run(_ => 40));

        Assert.All(trends, t => Assert.True(t.Flat, $"{t.Metric} judged not flat"));
        Assert.Equal(40, Trend(Run(_ => 40), "rss_mib").First, 6);
    }

    [Fact]
    public void SteadyGrowth_OfRssBeyondTenPercent_IsNotFlat()
    {
        // 40 MiB growing 0.1 MiB a minute: the means of the windows (minutes 6-11.4 and 54.6-60) differ by about 12 %.
        var rss = Trend(Run(minute => 40 + 0.1 * minute), "rss_mib");

        Assert.False(rss.Flat);
        Assert.InRange(rss.GrowthPercent, 11, 13);
    }

    [Fact]
    public void GrowthWithinTenPercent_IsFlat()
    {
        Assert.True(Trend(Run(minute => 40 + 0.05 * minute), "rss_mib").Flat);
    }

    [Fact]
    public void RampDuringWarmUp_IsIgnored()
    {
        // From 10 to 40 MiB over the first 5 minutes (within the first 10 %), then steady.
        var rss = Trend(Run(minute => minute < 5 ? 10 + 6 * minute : 40), "rss_mib");

        Assert.True(rss.Flat);
        Assert.Equal(40, rss.First, 6);
    }

    /// <summary>A 5-minute run sampled every 2 s.</summary>
    private static List<SoakSample> ShortRun(Func<double, double> rss, Func<double, int> threads) =>
        Enumerable.Range(0, 151).Select(i => i * 2.0)
            .Select(s => new SoakSample { Seconds = s, RssMiB = rss(s), Fds = 22, Threads = threads(s) }).ToList();

    [Fact]
    public void ShortRun_WarmsUpForHalfTheRunAndLeavesRssUnjudged()
    {
        // Threads ramp for 140 s (10 % of the run, 30 s, would still be ramping); RSS still grows at the end.
        var trends = SoakVerdict.Trends(ShortRun(rss: s => 30 + s / 10, threads: s => s < 140 ? 10 + (int)(s / 20) : 17));

        Assert.All(trends, t => Assert.True(t.Flat, $"{t.Metric} judged not flat"));
        var rss = trends.Single(t => t.Metric == "rss_mib");
        Assert.False(rss.Judged);
        Assert.True(rss.GrowthPercent > 10);
        Assert.Equal("not judged (short run)", rss.Verdict);
    }

    [Fact]
    public void ShortRun_LeavesThreadsUnjudged_ButStillJudgesFds()
    {
        var trends = SoakVerdict.Trends(ShortRun(rss: _ => 40, threads: s => 17 + (int)(s / 60)));
        var threads = trends.Single(t => t.Metric == "threads");

        Assert.False(threads.Judged);
        Assert.True(threads.Flat);
        Assert.True(threads.GrowthPercent > 10);
        Assert.True(trends.Single(t => t.Metric == "fds").Judged);
    }

    [Fact]
    public void LongRun_JudgesThreadsThatGrew()
    {
        var threads = SoakVerdict.Trends(Run(minute => 40, threads: minute => 17 + (int)(minute / 6))).Single(t => t.Metric == "threads");

        Assert.True(threads.Judged);
        Assert.False(threads.Flat);
    }

    [Fact]
    public void OneMoreThread_IsTolerated_TwoMoreOfEighteenAreNot()
    {
        Assert.True(Trend(Run(_ => 40, threads: minute => minute < 30 ? 18 : 19), "threads").Flat);
        Assert.False(Trend(Run(_ => 40, threads: minute => minute < 30 ? 18 : 20), "threads").Flat);
    }

    [Fact]
    public void ThreadsThatComeAndGo_AreFlat()
    {
        // 16 threads, and 29 for a minute now and then (the thread pool growing while work waits, then retiring).
        var threads = Trend(Run(_ => 40, threads: minute => (int)minute % 7 == 3 ? 29 : 16), "threads");

        Assert.True(threads.Flat);
        Assert.Equal(16, threads.First);
        Assert.True(threads.LastMean > 16);
    }

    [Fact]
    public void RssSawtoothOnARisingFloor_IsNotFlat()
    {
        // The GC's sawtooth (up to +8 MiB) over a floor that rises from 40 to 50 MiB in the hour.
        var rss = Trend(Run(minute => 40 + minute / 6 + 8 * (minute % 1)), "rss_mib");

        Assert.False(rss.Flat);
    }

    [Fact]
    public void RssByMean_OneLowSampleInTheFirstWindowDoesNotDecide()
    {
        // A full collection drops RSS to 30 MiB for one sample at minute 7; it is 45 MiB otherwise.
        var rss = Trend(Run(minute => Math.Abs(minute - 7) < 0.01 ? 30 : 45), "rss_mib");

        Assert.Equal("mean", rss.Statistic);
        Assert.True(rss.Flat);
    }

    [Fact]
    public void LeakedFds_AreNotFlat()
    {
        var fds = Trend(Run(_ => 40, fds: minute => 22 + (int)(minute / 10)), "fds");

        Assert.False(fds.Flat);
    }

    [Fact]
    public void Shrinking_IsFlat()
    {
        Assert.True(Trend(Run(minute => 60 - 0.3 * minute), "rss_mib").Flat);
    }

    [Fact]
    public void TooFewSamples_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => SoakVerdict.Trends([]));
        Assert.Throws<ArgumentException>(() => SoakVerdict.Trends([new SoakSample { Seconds = 0 }]));
    }
}
