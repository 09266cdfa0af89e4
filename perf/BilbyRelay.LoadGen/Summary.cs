using System.Globalization;
using System.Text;
using System.Text.Json;

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
        return 0;
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
