using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.LoadGen.Reporting;

/// <summary>
/// Writes a <see cref="ReportDocument"/> to a directory: <c>summary.json</c> (the document itself) and
/// <c>index.html</c>, one self-contained page (inline CSS and SVG; no scripts, fonts or other requests).
/// </summary>
public static class ReportWriter
{
    public const string HtmlFile = "index.html";
    public const string JsonFile = "summary.json";

    private const string Style = """
        body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
        table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #eee;text-align:left}
        td.value{text-align:right;font-variant-numeric:tabular-nums}
        .charts{display:flex;flex-wrap:wrap;gap:1em}.charts svg{max-width:100%;height:auto;border:1px solid #eee}
        .incomplete{background:#fff3cd;padding:.5em;border:1px solid #e0c36a}
        """;

    public static string Json(ReportDocument document) => JsonSerializer.Serialize(document, ReportJson.Default.ReportDocument);

    public static void Write(ReportDocument document, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, JsonFile), Json(document));
        File.WriteAllText(Path.Combine(directory, HtmlFile), Html(document));
    }

    public static string Html(ReportDocument document)
    {
        var html = new StringBuilder();
        var title = string.IsNullOrEmpty(document.Title) ? $"bilbyrelay-loadgen {document.Command}" : document.Title;
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>{SvgChart.Text(title)}</title><style>{Style}</style></head><body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<h1>{SvgChart.Text(title)}</h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>Started {SvgChart.Text(document.StartedUtc)} by {SvgChart.Text(document.Tool)} <code>{SvgChart.Text(document.Command)}</code>.</p>\n");
        if (!document.Complete)
        {
            html.Append("<p class=\"incomplete\">Interrupted: this report holds what was measured until then.</p>\n");
        }

        if (document.Context.Count > 0)
        {
            html.Append("<table class=\"context\">");
            foreach (var (key, value) in document.Context)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{SvgChart.Text(key)}</th><td>{SvgChart.Text(value)}</td></tr>");
            }

            html.Append("</table>\n");
        }

        if (document.Comparisons.Count > 0)
        {
            html.Append("<h2>Comparison</h2>\n<table class=\"comparisons\"><tr><th>figure</th>");
            var subjects = document.Comparisons.SelectMany(c => c.Values.Select(v => v.Subject)).Distinct().ToList();
            foreach (var subject in subjects)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th>{SvgChart.Text(subject)}</th>");
            }

            html.Append("<th>ratio</th></tr>");
            foreach (var comparison in document.Comparisons)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{SvgChart.Text(comparison.Figure)} ({SvgChart.Text(comparison.Unit)})</td>");
                foreach (var subject in subjects)
                {
                    var value = comparison.Values.FirstOrDefault(v => v.Subject == subject);
                    html.Append(value is null ? "<td></td>" : Cell(value.Value));
                }

                html.Append(comparison.Ratio is { } ratio ? Cell(ratio) : "<td></td>").Append("</tr>");
            }

            html.Append("</table>\n<div class=\"charts\">");
            foreach (var comparison in document.Comparisons)
            {
                html.Append(SvgChart.Bars(comparison));
            }

            html.Append("</div>\n");
        }

        if (document.Figures.Count > 0)
        {
            html.Append("<h2>Figures</h2>\n<table class=\"figures\"><tr><th>figure</th><th>relay</th><th>value</th><th>unit</th></tr>");
            foreach (var figure in document.Figures)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{SvgChart.Text(figure.Name)}</td><td>{SvgChart.Text(figure.Subject ?? "")}</td>{Cell(figure.Value)}<td>{SvgChart.Text(figure.Unit)}</td></tr>");
            }

            html.Append("</table>\n");
        }

        Charts(html, "Sweeps", document.Sweeps.Select(SvgChart.Line));
        Charts(html, "Distributions", document.Distributions.Select(SvgChart.Cdf));
        Charts(html, "Over time", document.TimeSeries.Select(SvgChart.Line));
        if (document.Notes.Count > 0)
        {
            html.Append("<h2>Notes</h2>\n<ul>");
            foreach (var note in document.Notes)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{SvgChart.Text(note)}</li>");
            }

            html.Append("</ul>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static string Cell(double value) =>
        $"<td class=\"value\" data-value=\"{SvgChart.Exact(value)}\">{SvgChart.Label(value)}</td>";

    private static void Charts(StringBuilder html, string heading, IEnumerable<string> svgs)
    {
        var list = svgs.ToList();
        if (list.Count == 0)
        {
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>{heading}</h2>\n<div class=\"charts\">");
        foreach (var svg in list)
        {
            html.Append(svg).Append('\n');
        }

        html.Append("</div>\n");
    }
}
