using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using BilbyRelay.LoadGen.Reporting;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.LoadGen.Tests.Reporting;

public sealed partial class ReportWriterTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Every_chart_is_well_formed_svg_and_the_page_requests_nothing_external()
    {
        using var directory = new TempFilesDirectory();
        ReportWriter.Write(SampleDocument(), directory.Path);

        var html = File.ReadAllText(Path.Combine(directory.Path, ReportWriter.HtmlFile));
        var svgs = SvgElements(html);
        Assert.Equal(5, svgs.Count); // one sweep, one distribution, one time series, two comparison bars
        Assert.All(svgs, svg => Assert.Equal(s_svg + "svg", svg.Name));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Plotted_numbers_match_the_json_summary()
    {
        using var directory = new TempFilesDirectory();
        ReportWriter.Write(SampleDocument(), directory.Path);
        var html = File.ReadAllText(Path.Combine(directory.Path, ReportWriter.HtmlFile));
        var document = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(directory.Path, ReportWriter.JsonFile)), ReportJson.Default.ReportDocument)!;
        var svgs = SvgElements(html);

        // Sweep points: each circle carries the JSON's x and y.
        var sweep = document.Sweeps.Single();
        var sweepSvg = svgs.Single(s => s.Element(s_svg + "title")!.Value == sweep.Title);
        var circles = sweepSvg.Descendants(s_svg + "circle")
            .Select(c => (X: Number(c, "data-x"), Y: Number(c, "data-y"))).ToList();
        Assert.Equal(sweep.Series.SelectMany(s => s.Points).Select(p => (p.X, p.Y)), circles);

        // Comparison bars carry each relay's value; the page's table shows every figure's value.
        var bars = svgs.SelectMany(s => s.Descendants(s_svg + "rect")).Where(r => r.Attribute("data-value") is not null)
            .Select(r => (r.Attribute("data-subject")!.Value, Number(r, "data-value"))).ToList();
        Assert.Equal(document.Comparisons.SelectMany(c => c.Values.Select(v => (v.Subject, v.Value))), bars);
        var cells = CellValues().Matches(html).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
        Assert.All(document.Figures, f => Assert.Contains(f.Value, cells));
        Assert.All(document.Comparisons, c => Assert.Contains(c.Ratio!.Value, cells));
    }

    [Fact]
    public void A_distribution_is_kept_as_at_most_101_quantiles_from_min_to_max()
    {
        var samples = Enumerable.Range(1, 10_000).Select(i => (double)i).ToArray();
        var distribution = new Distribution { Title = "latency", Unit = "us" };
        distribution.Add("relay", samples);

        var points = distribution.Samples.Single().Points;
        Assert.Equal(Distribution.MaxQuantiles, points.Count);
        Assert.Equal((1.0, 0.0), (points[0].X, points[0].Y));
        Assert.Equal((10_000.0, 1.0), (points[^1].X, points[^1].Y));
        Assert.Equal(5001, points[50].X, 0);
        Assert.Equal(10_000, distribution.Samples.Single().Count);
    }

    [Fact]
    public void Text_from_the_run_is_escaped_and_an_interrupted_run_says_so()
    {
        var document = new ReportDocument { Command = "tcp", Complete = false };
        document.Notes.Add("relay answered <tunnel_down> & left");
        document.AddFigure("a<b", 1, "x&y");
        var html = ReportWriter.Html(document);

        Assert.Contains("relay answered &lt;tunnel_down&gt; &amp; left", html, StringComparison.Ordinal);
        Assert.Contains("a&lt;b", html, StringComparison.Ordinal);
        Assert.Contains("Interrupted", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Figures_that_are_not_finite_are_left_out_and_charts_without_data_still_render()
    {
        var document = new ReportDocument();
        Assert.Null(document.AddFigure("nothing", double.NaN, "us"));
        ReportDocument.Chart(document.Sweeps, "empty", "x", "y").Line("none");
        Assert.Empty(document.Figures);

        var svg = XDocument.Parse(SvgChart.Line(document.Sweeps[0]));
        Assert.Contains("no data", svg.Root!.Value, StringComparison.Ordinal);
    }

    internal static ReportDocument SampleDocument()
    {
        var document = new ReportDocument { Command = "udp", Title = "sample <run>" };
        document.Context["cores"] = "2";
        document.AddFigure("udp_loss_pct", 0.125, "%");
        document.AddFigure("udp_latency_p99_us", 812.5, "us", "a");
        document.AddFigure("udp_latency_p99_us", 1240.25, "us", "b");
        var sweep = ReportDocument.Chart(document.Sweeps, "loss vs offered rate", "datagrams/s", "loss %");
        sweep.Line("a").Add(1000, 0);
        sweep.Line("a").Add(2000, 0.05);
        sweep.Line("b").Add(1000, 0.01);
        sweep.Line("b").Add(4000, 2.5);
        document.DistributionChart("one-way latency", "us").Add("a", [100, 120, 180, 900.5]);
        var rss = ReportDocument.Chart(document.TimeSeries, "relay RSS", "seconds", "MiB");
        for (var t = 0; t < 500; t++)
        {
            rss.Line("a").Add(t * 0.5, 30 + (t % 7));
        }

        document.Comparisons.Add(new Comparison
        {
            Figure = "udp_latency_p99_us", Unit = "us", Ratio = 1.526,
            Values = [new SubjectValue { Subject = "a", Value = 812.5 }, new SubjectValue { Subject = "b", Value = 1240.25 }],
        });
        document.Comparisons.Add(new Comparison
        {
            Figure = "tcp_goodput_Mbit_per_s", Unit = "Mbit/s", Ratio = 0.9,
            Values = [new SubjectValue { Subject = "a", Value = 1000 }, new SubjectValue { Subject = "b", Value = 900 }],
        });
        document.Notes.Add("a note");
        return document;
    }

    /// <summary>Every inline SVG of the page, parsed on its own as XML (the page itself is HTML, not XHTML).</summary>
    private static List<XElement> SvgElements(string html) =>
        SvgBlocks().Matches(html).Select(m => XDocument.Parse(m.Value).Root!).ToList();

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgBlocks();

    [GeneratedRegex("data-value=\"([^\"]+)\"")]
    private static partial Regex CellValues();
}
