using System.Globalization;
using System.Text;
using System.Text.Json;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen;

/// <summary><c>summarize DIR</c>: folds the JSON lines of several runs into medians, ranges and relay/direct ratios.</summary>
internal static class Summary
{
    public static int Run(Options options)
    {
        var directory = options.Get("dir") ?? throw new ArgumentException("summarize needs --dir DIR");
        var values = new Dictionary<(string Path, string Figure), List<double>>();
        var notes = new List<string>();
        foreach (var file in Directory.GetFiles(directory, "*.json").Where(f => !f.EndsWith("summary.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file).Where(l => l.StartsWith('{')))
            {
                var report = JsonSerializer.Deserialize(line, LoadGenJson.Default.RunReport);
                if (report is null)
                {
                    continue;
                }

                foreach (var (figure, value) in report.Figures)
                {
                    var key = (report.Path, figure);
                    if (!values.TryGetValue(key, out var list))
                    {
                        values[key] = list = [];
                    }

                    list.Add(value);
                }

                notes.AddRange(report.Notes.Select(n => $"{report.Path}: {n}"));
            }
        }

        var rows = values.Keys.Select(k => k.Figure).Distinct().Order(StringComparer.Ordinal).Select(figure =>
        {
            var row = new SummaryRow
            {
                Figure = figure,
                Direct = Stat(values.GetValueOrDefault(("direct", figure))),
                Relay = Stat(values.GetValueOrDefault(("relay", figure))),
            };
            if (row.Direct is { Median: not 0 } d && row.Relay is { } r)
            {
                row.Ratio = Math.Round(r.Median / d.Median, 3);
            }

            return row;
        }).ToList();

        File.WriteAllText(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(rows, LoadGenJson.Default.ListSummaryRow));
        var table = new StringBuilder();
        table.AppendLine("| figure | direct median (min–max) | relay median (min–max) | relay/direct |");
        table.AppendLine("|---|---|---|---|");
        foreach (var row in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {row.Figure} | {Format(row.Direct)} | {Format(row.Relay)} | {(row.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "")} |");
        }

        if (notes.Count > 0)
        {
            table.AppendLine().AppendLine("Notes:");
            foreach (var group in notes.GroupBy(n => n, StringComparer.Ordinal))
            {
                table.AppendLine(CultureInfo.InvariantCulture, $"- {group.Key} ({group.Count()} runs)");
            }
        }

        File.WriteAllText(Path.Combine(directory, "summary.md"), table.ToString());
        Console.Write(table.ToString());
        if (options.Get("report") is { } reportDirectory)
        {
            ReportWriter.Write(Document(rows, notes, directory), reportDirectory);
            Console.Error.WriteLine($"report: {Path.Combine(reportDirectory, ReportWriter.HtmlFile)}");
        }

        return 0;
    }

    /// <summary>The summary as a report: every figure measured on both paths becomes a direct/relay comparison.</summary>
    private static ReportDocument Document(List<SummaryRow> rows, List<string> notes, string directory)
    {
        var document = new ReportDocument { Command = "summarize", Title = "bilbyrelay-loadgen: relay path against direct path" };
        document.Context["results"] = directory;
        foreach (var row in rows)
        {
            var unit = Unit(row.Figure);
            document.AddFigure(row.Figure, row.Direct?.Median ?? double.NaN, unit, "direct");
            document.AddFigure(row.Figure, row.Relay?.Median ?? double.NaN, unit, "relay");
            if (row.Direct is { } direct && row.Relay is { } relay)
            {
                document.Comparisons.Add(new Comparison
                {
                    Figure = row.Figure,
                    Unit = unit,
                    Values = [new SubjectValue { Subject = "direct", Value = direct.Median }, new SubjectValue { Subject = "relay", Value = relay.Median }],
                    Ratio = row.Ratio,
                });
            }
        }

        document.Notes.AddRange(notes.Distinct(StringComparer.Ordinal));
        return document;
    }

    /// <summary>The unit a figure's name ends with (see <see cref="RunReport.Figures"/>).</summary>
    private static string Unit(string figure)
    {
        foreach (var suffix in new[] { "s_per_GB", "per_s", "Mbit_per_s", "MBps", "pps", "us", "ms", "MiB", "KiB", "pct" })
        {
            if (figure.EndsWith("_" + suffix, StringComparison.Ordinal))
            {
                return suffix.Replace('_', ' ');
            }
        }

        return "";
    }

    internal static Stat? Stat(List<double>? list)
    {
        if (list is not { Count: > 0 })
        {
            return null;
        }

        var sorted = list.Order().ToArray();
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        return new Stat { Median = Math.Round(median, 3), Min = sorted[0], Max = sorted[^1], Runs = n };
    }

    private static string Format(Stat? stat) => stat is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"{Number(stat.Median)} ({Number(stat.Min)}–{Number(stat.Max)})");

    private static string Number(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.##", CultureInfo.InvariantCulture);
}
