using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen;

/// <summary>
/// A soak as a report: its figures and the relay's resources over time, written as index.html and summary.json by
/// <see cref="ReportWriter"/> plus each chart as an SVG file of its own (soak-resources.svg, soak-load.svg) for docs.
/// </summary>
public static class SoakReport
{
    public const string ResourcesChartFile = "soak-resources.svg";

    public const string LoadChartFile = "soak-load.svg";

    /// <summary>
    /// The <c>soak-report --dir DIR</c> command: the report of a soak's results directory again, judged by the current
    /// rule. Exit status 0 when that verdict is a pass.
    /// </summary>
    public static int Run(Options options)
    {
        var directory = options.Get("dir") ?? throw new ArgumentException("soak-report needs --dir, the soak's results directory");
        var recorded = SoakResults.Read(File.ReadAllText(Path.Combine(directory, "samples.json")));
        Write(directory, recorded);
        foreach (var trend in recorded.Trends ?? [])
        {
            Console.Error.WriteLine($"  {trend.Describe()}");
        }

        Console.Error.WriteLine($"soak-report: {(recorded.PassesNow ? "passed" : "FAILED")}; wrote {ReportWriter.HtmlFile}, {ResourcesChartFile} and {LoadChartFile} in {directory}");
        return recorded.PassesNow ? 0 : 1;
    }

    public static void Write(string directory, SoakResults.Recorded recorded)
    {
        var document = Document(recorded);
        ReportWriter.Write(document, directory);
        File.WriteAllText(Path.Combine(directory, ResourcesChartFile), SvgChart.Line(document.TimeSeries[0]));
        File.WriteAllText(Path.Combine(directory, LoadChartFile), SvgChart.Line(document.TimeSeries[1]));
    }

    public static ReportDocument Document(SoakResults.Recorded recorded)
    {
        var document = new ReportDocument
        {
            Title = $"Soak: {(recorded.PassesNow ? "passed" : "failed")}",
            Command = "soak",
            StartedUtc = recorded.StartedUtc,
            Notes = [.. recorded.Notes],
        };
        foreach (var (name, value) in recorded.Figures)
        {
            document.AddFigure(name, value, Unit(name));
        }

        foreach (var trend in recorded.Trends ?? [])
        {
            foreach (var (name, value) in new[] { ($"first_window_{trend.Statistic}", trend.First), ($"last_window_{trend.Statistic}", trend.Last), ("growth_pct", trend.GrowthPercent) })
            {
                if (document.FindFigure($"{trend.Metric}_{name}") is null)
                {
                    document.AddFigure($"{trend.Metric}_{name}", value, Unit($"{trend.Metric}_{name}"));
                }
            }
        }

        var resources = ReportDocument.Chart(document.TimeSeries, "Relay RSS, GC heap, open fds and threads", "minutes", "MiB / count");
        var load = ReportDocument.Chart(document.TimeSeries, "Relay CPU and edges connected", "minutes", "% of one core / count");
        foreach (var sample in recorded.Samples)
        {
            var minutes = sample.Seconds / 60;
            resources.Line("RSS (MiB)").Add(minutes, sample.RssMiB);
            if (!double.IsNaN(sample.GcHeapMiB))
            {
                resources.Line("GC heap (MiB)").Add(minutes, sample.GcHeapMiB);
            }
            resources.Line("open fds").Add(minutes, sample.Fds);
            resources.Line("threads").Add(minutes, sample.Threads);
            load.Line("CPU (% of one core)").Add(minutes, sample.CpuPercent);
            load.Line("edges connected").Add(minutes, sample.EdgesConnected);
        }

        return document;
    }

    private static string Unit(string figure) =>
        figure.EndsWith("_pct", StringComparison.Ordinal) ? "%"
        : figure.StartsWith("rss_mib", StringComparison.Ordinal) || figure.EndsWith("_mib", StringComparison.Ordinal) ? "MiB"
        : figure.EndsWith("_seconds", StringComparison.Ordinal) ? "s"
        : figure.EndsWith("_per_min", StringComparison.Ordinal) ? "per minute"
        : figure.Contains("bytes", StringComparison.Ordinal) ? "bytes"
        : "";
}
