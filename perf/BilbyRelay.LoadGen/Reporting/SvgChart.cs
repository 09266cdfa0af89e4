using System.Globalization;
using System.Net;
using System.Text;

namespace BilbyRelay.LoadGen.Reporting;

/// <summary>
/// Draws the report's charts as inline SVG: line charts with linear axes, cumulative distributions and grouped bars.
/// Every plotted value is also written as a <c>data-*</c> attribute with the number exactly as in the JSON, so a reader
/// (or a test) can check the picture against the data.
/// </summary>
public static class SvgChart
{
    private const int Width = 640;
    private const int Height = 300;
    private const int Left = 70;
    private const int Right = 16;
    private const int Top = 30;
    private const int Bottom = 46;

    /// <summary>Points are marked (and carry data attributes) only on lines this short; longer ones are just lines.</summary>
    public const int MaxMarkedPoints = 200;

    private static readonly string[] s_colours = ["#1f6fb2", "#d9661f", "#2e9e4f", "#b23a48", "#7a4fb2", "#8a7a1f"];

    public static string Line(XyChart chart)
    {
        var points = chart.Series.SelectMany(s => s.Points).ToList();
        var svg = Begin(chart.Title);
        if (points.Count == 0)
        {
            return Empty(svg);
        }

        var x = Axis.For(points.Min(p => p.X), points.Max(p => p.X), includeZero: false);
        var y = Axis.For(points.Min(p => p.Y), points.Max(p => p.Y), includeZero: true);
        Frame(svg, x, y, chart.XLabel, chart.YLabel);
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            var colour = s_colours[s % s_colours.Length];
            var path = string.Join(' ', series.Points.Select(p => $"{Num(PlotX(x, p.X))},{Num(PlotY(y, p.Y))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"series\" data-label=\"{Text(series.Label)}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>");
            if (series.Points.Count <= MaxMarkedPoints)
            {
                foreach (var p in series.Points)
                {
                    svg.Append(CultureInfo.InvariantCulture,
                        $"<circle cx=\"{Num(PlotX(x, p.X))}\" cy=\"{Num(PlotY(y, p.Y))}\" r=\"3\" fill=\"{colour}\" data-x=\"{Exact(p.X)}\" data-y=\"{Exact(p.Y)}\"><title>{Text(series.Label)}: {Label(p.X)} {Text(chart.XLabel)}, {Label(p.Y)} {Text(chart.YLabel)}</title></circle>");
                }
            }

            svg.Append("</g>");
        }

        Legend(svg, chart.Series.Select(s => s.Label).ToList());
        return End(svg);
    }

    /// <summary>A cumulative distribution: one line per sample set, fraction of samples (0 to 1) against value.</summary>
    public static string Cdf(Distribution distribution)
    {
        var chart = new XyChart { Title = distribution.Title, XLabel = distribution.Unit, YLabel = "fraction of samples" };
        chart.Series.AddRange(distribution.Samples.Select(q => new Series { Label = $"{q.Label} ({q.Count} samples)", Points = q.Points }));
        return Line(chart);
    }

    /// <summary>One group of bars per comparison (its own scale: figures have different units), one bar per relay.</summary>
    public static string Bars(Comparison comparison)
    {
        var svg = Begin($"{comparison.Figure} ({comparison.Unit})");
        if (comparison.Values.Count == 0)
        {
            return Empty(svg);
        }

        var y = Axis.For(0, comparison.Values.Max(v => v.Value), includeZero: true);
        var x = new Axis(0, comparison.Values.Count, []);
        Frame(svg, x, y, "", comparison.Unit);
        var slot = (Width - Left - Right) / (double)comparison.Values.Count;
        for (var i = 0; i < comparison.Values.Count; i++)
        {
            var value = comparison.Values[i];
            var top = PlotY(y, value.Value);
            var left = Left + (i * slot) + (slot * 0.2);
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{Num(left)}\" y=\"{Num(top)}\" width=\"{Num(slot * 0.6)}\" height=\"{Num(Height - Bottom - top)}\" fill=\"{s_colours[i % s_colours.Length]}\" data-subject=\"{Text(value.Subject)}\" data-value=\"{Exact(value.Value)}\"><title>{Text(value.Subject)}: {Label(value.Value)} {Text(comparison.Unit)}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{Num(left + (slot * 0.3))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{Text(value.Subject)}</text>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{Num(left + (slot * 0.3))}\" y=\"{Num(top - 4)}\" text-anchor=\"middle\">{Label(value.Value)}</text>");
        }

        if (comparison.Ratio is { } ratio)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Top - 10}\" text-anchor=\"end\" data-ratio=\"{Exact(ratio)}\">ratio {Label(ratio)}</text>");
        }

        return End(svg);
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Text(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{Text(title)}</text>");
        return svg;
    }

    private static string Empty(StringBuilder svg)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\">no data</text>");
        return End(svg);
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static void Frame(StringBuilder svg, Axis x, Axis y, string xLabel, string yLabel)
    {
        var bottom = Height - Bottom;
        foreach (var tick in y.Ticks)
        {
            var py = Num(PlotY(y, tick));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{py}\" x2=\"{Width - Right}\" y2=\"{py}\" stroke=\"#e3e3e3\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{py}\" dy=\"4\" text-anchor=\"end\">{Label(tick)}</text>");
        }

        foreach (var tick in x.Ticks)
        {
            var px = Num(PlotX(x, tick));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px}\" y1=\"{bottom}\" x2=\"{px}\" y2=\"{bottom + 4}\" stroke=\"#555\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{px}\" y=\"{bottom + 16}\" text-anchor=\"middle\">{Label(tick)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Width - Right}\" y2=\"{bottom}\" stroke=\"#555\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"#555\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Text(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {(Top + bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{Text(yLabel)}</text>");
    }

    private static void Legend(StringBuilder svg, List<string> labels)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            var y = Top + 4 + (i * 14);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right - 170}\" y=\"{y}\" width=\"10\" height=\"10\" fill=\"{s_colours[i % s_colours.Length]}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 155}\" y=\"{y + 9}\">{Text(labels[i])}</text>");
        }
    }

    private static double PlotX(Axis x, double value) => Left + ((value - x.Min) / (x.Max - x.Min) * (Width - Left - Right));

    private static double PlotY(Axis y, double value) => Height - Bottom - ((value - y.Min) / (y.Max - y.Min) * (Height - Top - Bottom));

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The value as the JSON writer writes it (shortest round-trip form).</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A readable number: whole above 100, two decimals below, three below 1.</summary>
    public static string Label(double value) => Math.Abs(value) switch
    {
        >= 100 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    internal static string Text(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A linear axis from <see cref="Min"/> to <see cref="Max"/> with ticks at round numbers.</summary>
    private sealed record Axis(double Min, double Max, IReadOnlyList<double> Ticks)
    {
        public static Axis For(double min, double max, bool includeZero)
        {
            if (includeZero)
            {
                min = Math.Min(0, min);
                max = Math.Max(0, max);
            }

            if (max - min <= 0)
            {
                (min, max) = min == 0 ? (0, 1) : (min - (Math.Abs(min) / 2), max + (Math.Abs(max) / 2));
            }

            var step = NiceStep((max - min) / 5);
            var start = Math.Floor(min / step) * step;
            var end = Math.Ceiling(max / step) * step;
            var ticks = new List<double>();
            for (var i = 0; i <= 20 && start + (i * step) <= end + (step / 1e6); i++)
            {
                ticks.Add(Math.Round(start + (i * step), 10));
            }

            return new Axis(start, end, ticks);
        }

        private static double NiceStep(double rough)
        {
            var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            var fraction = rough / magnitude;
            return magnitude * fraction switch
            {
                <= 1 => 1,
                <= 2 => 2,
                <= 5 => 5,
                _ => 10,
            };
        }
    }
}
