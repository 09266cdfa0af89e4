namespace BilbyRelay.LoadGen.Tests.Soak;

public sealed class SoakReportTests
{
    [Fact]
    public void Document_ChartsEveryResourceOverMinutesAndJudgesByTheCurrentRule()
    {
        var samples = Enumerable.Range(0, 120).Select(i => new SoakSample
        {
            Seconds = i * 30.0, RssMiB = 45, Fds = 23, Threads = 18, CpuPercent = 9, EdgesConnected = 10,
        }).ToList();
        var figures = new Dictionary<string, double> { ["crashes"] = 0, ["byte_errors"] = 0, ["transfer_failures"] = 0, ["cleanup_seconds"] = 5 };
        var recorded = new SoakResults.Recorded("2026-01-02T03:04:05Z", Passed: false, figures, [], samples);

        var document = SoakReport.Document(recorded);

        Assert.Equal("Soak: passed", document.Title);
        var resources = document.TimeSeries[0];
        Assert.Equal(["RSS (MiB)", "open fds", "threads"], resources.Series.Select(s => s.Label));
        Assert.All(resources.Series, s => Assert.Equal(120, s.Points.Count));
        Assert.Equal(59.5, resources.Series[0].Points[^1].X);
        Assert.Equal(["CPU (% of one core)", "edges connected"], document.TimeSeries[1].Series.Select(s => s.Label));
        Assert.Equal(0, document.FindFigure("threads_growth_pct")!.Value);
        Assert.Equal("%", document.FindFigure("threads_growth_pct")!.Unit);
        Assert.Equal("MiB", document.FindFigure("rss_mib_last_window_mean")!.Unit);
    }
}
