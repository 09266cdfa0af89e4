using System.Text.RegularExpressions;

namespace BilbyRelay.Tests.Stats;

/// <summary>
/// Checks Prometheus text format 0.0.4 without promtool: HELP then TYPE then samples for each
/// family, each family once, valid names and sample syntax, counter/gauge suffix conventions.
/// Returns the families found (name → type) or a list of problems.
/// </summary>
internal static partial class PrometheusExpositionChecker
{
    public static (IReadOnlyDictionary<string, string> Families, IReadOnlyList<string> Problems) Check(string text, IReadOnlySet<string> allowedGaugesWithTotalSuffix)
    {
        var families = new Dictionary<string, string>();
        var problems = new List<string>();
        string? current = null;
        string? currentType = null;
        bool sawHelp = false;

        if (!text.EndsWith('\n'))
        {
            problems.Add("exposition must end with a line feed");
        }

        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string name = line["# HELP ".Length..].Split(' ', 2)[0];
                if (families.ContainsKey(name) || name == current)
                {
                    problems.Add($"family {name} appears twice");
                }

                if (line.Split(' ', 4).Length < 4)
                {
                    problems.Add($"family {name} has empty help text");
                }

                current = name;
                currentType = null;
                sawHelp = true;
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                if (parts.Length != 4 || parts[2] != current || !sawHelp)
                {
                    problems.Add($"TYPE line without its HELP: {line}");
                    continue;
                }

                currentType = parts[3];
                if (currentType is not ("counter" or "gauge"))
                {
                    problems.Add($"unexpected type {currentType} for {current}");
                }

                families[current!] = currentType;
                bool endsInTotal = current!.EndsWith("_total", StringComparison.Ordinal);
                if (currentType == "counter" && !endsInTotal)
                {
                    problems.Add($"counter {current} does not end in _total");
                }

                if (currentType == "gauge" && endsInTotal && !allowedGaugesWithTotalSuffix.Contains(current))
                {
                    problems.Add($"gauge {current} ends in _total");
                }
            }
            else if (line.StartsWith('#') || line.Length == 0)
            {
                problems.Add($"unexpected line: '{line}'");
            }
            else
            {
                Match sample = SampleLine().Match(line);
                if (!sample.Success)
                {
                    problems.Add($"malformed sample: {line}");
                }
                else if (sample.Groups["name"].Value != current || currentType is null)
                {
                    problems.Add($"sample outside its family (HELP/TYPE missing): {line}");
                }
            }
        }

        return (families, problems);
    }

    // name{label="escaped value",...} integer-or-float
    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? -?[0-9]+(\.[0-9]+)?$""")]
    private static partial Regex SampleLine();
}
