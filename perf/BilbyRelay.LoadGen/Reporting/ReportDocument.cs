using System.Globalization;
using System.Text.Json.Serialization;

namespace BilbyRelay.LoadGen.Reporting;

/// <summary>
/// What one run measured, independent of the scenario that measured it: named figures, charts over time,
/// x-y sweeps, distributions and relay-against-relay comparisons. <see cref="ReportWriter"/> turns it into
/// <c>summary.json</c> and a self-contained <c>index.html</c>; <c>--json</c> prints the same document.
/// </summary>
public sealed class ReportDocument
{
    [JsonPropertyName("tool")]
    public string Tool { get; set; } = "bilbyrelay-loadgen";

    [JsonPropertyName("title")]
    public string Title { get; set; } = "";

    [JsonPropertyName("command")]
    public string Command { get; set; } = "";

    [JsonPropertyName("started_utc")]
    public string StartedUtc { get; set; } = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>Free-form facts about where it ran (cores, load average, targets).</summary>
    [JsonPropertyName("context")]
    public SortedDictionary<string, string> Context { get; set; } = new(StringComparer.Ordinal);

    /// <summary>False when the run was interrupted (Ctrl-C) and holds what was measured until then.</summary>
    [JsonPropertyName("complete")]
    public bool Complete { get; set; } = true;

    [JsonPropertyName("figures")]
    public List<Figure> Figures { get; set; } = [];

    [JsonPropertyName("time_series")]
    public List<XyChart> TimeSeries { get; set; } = [];

    [JsonPropertyName("sweeps")]
    public List<XyChart> Sweeps { get; set; } = [];

    [JsonPropertyName("distributions")]
    public List<Distribution> Distributions { get; set; } = [];

    [JsonPropertyName("comparisons")]
    public List<Comparison> Comparisons { get; set; } = [];

    [JsonPropertyName("notes")]
    public List<string> Notes { get; set; } = [];

    /// <summary>Adds a figure; values that are not finite (no sample) are left out rather than written as NaN.</summary>
    public Figure? AddFigure(string name, double value, string unit, string? subject = null)
    {
        if (!double.IsFinite(value))
        {
            return null;
        }

        var figure = new Figure { Name = name, Value = Math.Round(value, 3), Unit = unit, Subject = subject };
        Figures.Add(figure);
        return figure;
    }

    public Figure? FindFigure(string name, string? subject = null) =>
        Figures.FirstOrDefault(f => f.Name == name && f.Subject == subject);

    /// <summary>The chart with this title in <paramref name="charts"/>, created empty the first time.</summary>
    public static XyChart Chart(List<XyChart> charts, string title, string xLabel, string yLabel)
    {
        var chart = charts.FirstOrDefault(c => c.Title == title);
        if (chart is null)
        {
            chart = new XyChart { Title = title, XLabel = xLabel, YLabel = yLabel };
            charts.Add(chart);
        }

        return chart;
    }

    public Distribution DistributionChart(string title, string unit)
    {
        var distribution = Distributions.FirstOrDefault(d => d.Title == title);
        if (distribution is null)
        {
            distribution = new Distribution { Title = title, Unit = unit };
            Distributions.Add(distribution);
        }

        return distribution;
    }
}

/// <summary>One measured number. <see cref="Subject"/> names the relay it belongs to in a comparison.</summary>
public sealed class Figure
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public double Value { get; set; }

    [JsonPropertyName("unit")]
    public string Unit { get; set; } = "";

    [JsonPropertyName("subject")]
    public string? Subject { get; set; }
}

/// <summary>Lines over a shared x axis: time series (x in seconds) and sweeps (x is what was varied).</summary>
public sealed class XyChart
{
    [JsonPropertyName("title")]
    public string Title { get; set; } = "";

    [JsonPropertyName("x_label")]
    public string XLabel { get; set; } = "";

    [JsonPropertyName("y_label")]
    public string YLabel { get; set; } = "";

    [JsonPropertyName("series")]
    public List<Series> Series { get; set; } = [];

    public Series Line(string label)
    {
        var series = Series.FirstOrDefault(s => s.Label == label);
        if (series is null)
        {
            series = new Series { Label = label };
            Series.Add(series);
        }

        return series;
    }
}

public sealed class Series
{
    [JsonPropertyName("label")]
    public string Label { get; set; } = "";

    [JsonPropertyName("points")]
    public List<DataPoint> Points { get; set; } = [];

    public void Add(double x, double y)
    {
        if (double.IsFinite(x) && double.IsFinite(y))
        {
            Points.Add(new DataPoint { X = Math.Round(x, 3), Y = Math.Round(y, 3) });
        }
    }
}

public sealed class DataPoint
{
    [JsonPropertyName("x")]
    public double X { get; set; }

    [JsonPropertyName("y")]
    public double Y { get; set; }
}

/// <summary>Samples of one quantity (e.g. latency), drawn as a cumulative distribution; each sample set is a line.</summary>
public sealed class Distribution
{
    /// <summary>At most this many quantiles are kept per sample set, so a report stays small.</summary>
    public const int MaxQuantiles = 101;

    [JsonPropertyName("title")]
    public string Title { get; set; } = "";

    [JsonPropertyName("unit")]
    public string Unit { get; set; } = "";

    [JsonPropertyName("samples")]
    public List<Quantiles> Samples { get; set; } = [];

    /// <summary>Adds the quantiles 0, 1, ..., 100 % of <paramref name="sorted"/> (ascending) under <paramref name="label"/>.</summary>
    public void Add(string label, ReadOnlySpan<double> sorted)
    {
        var quantiles = new Quantiles { Label = label, Count = sorted.Length };
        if (sorted.Length > 0)
        {
            for (var i = 0; i < MaxQuantiles; i++)
            {
                var fraction = i / (double)(MaxQuantiles - 1);
                var index = (int)Math.Round(fraction * (sorted.Length - 1));
                quantiles.Points.Add(new DataPoint { X = Math.Round(sorted[index], 3), Y = Math.Round(fraction, 3) });
            }
        }

        Samples.Add(quantiles);
    }
}

/// <summary>A cumulative distribution: x is the value, y the fraction of samples at or below it.</summary>
public sealed class Quantiles
{
    [JsonPropertyName("label")]
    public string Label { get; set; } = "";

    [JsonPropertyName("count")]
    public long Count { get; set; }

    [JsonPropertyName("points")]
    public List<DataPoint> Points { get; set; } = [];
}

/// <summary>One figure measured on several relays in the same run; <see cref="Ratio"/> is the last over the first.</summary>
public sealed class Comparison
{
    [JsonPropertyName("figure")]
    public string Figure { get; set; } = "";

    [JsonPropertyName("unit")]
    public string Unit { get; set; } = "";

    [JsonPropertyName("values")]
    public List<SubjectValue> Values { get; set; } = [];

    [JsonPropertyName("ratio")]
    public double? Ratio { get; set; }
}

public sealed class SubjectValue
{
    [JsonPropertyName("subject")]
    public string Subject { get; set; } = "";

    [JsonPropertyName("value")]
    public double Value { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReportDocument))]
public sealed partial class ReportJson : JsonSerializerContext
{
}
