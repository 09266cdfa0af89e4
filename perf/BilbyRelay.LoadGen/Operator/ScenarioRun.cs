using System.Globalization;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>One scenario on one relay: what it measures against, its options, and the document its results go into.</summary>
public sealed class ScenarioRun(RelayTarget target, Options options, ReportDocument document, CancellationToken stop)
{
    public RelayTarget Target => target;

    public Options Options => options;

    public ReportDocument Document => document;

    /// <summary>Cancelled by Ctrl-C (or SIGTERM): scenarios stop early and keep what they measured.</summary>
    public CancellationToken Stop => stop;

    public void Figure(string name, double value, string unit)
    {
        lock (document)
        {
            document.AddFigure(name, value, unit);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {target.Label}: {name,-40} {value,14:0.###} {unit}"));
    }

    /// <summary>Adds a note; safe from concurrent tasks.</summary>
    public void Note(string text)
    {
        lock (document)
        {
            document.Notes.Add(text);
        }

        Console.Error.WriteLine($"  {target.Label}: note: {text}");
    }

    public void Step(string text) => Console.Error.WriteLine($"{target.Label}: {text}");

    /// <summary>A positive whole-number option (a clear error otherwise).</summary>
    public int Count(string name, int fallback, int max = 1_000_000)
    {
        var value = options.Int(name, fallback);
        return value >= 1 && value <= max ? value : throw new ArgumentException($"--{name} must be between 1 and {max}");
    }

    /// <summary>A positive number of seconds (at most a day).</summary>
    public double Seconds(string name, double fallback)
    {
        var value = options.Double(name, fallback);
        return value > 0 && value <= 86_400 ? value : throw new ArgumentException($"--{name} must be more than 0 and at most 86400 seconds");
    }

    /// <summary>A rate in bits per second with an optional k/M/G suffix (powers of 1000, as network rates are).</summary>
    public double BitRate(string name, string fallback)
    {
        var text = options.Get(name, fallback);
        var multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1e3, 'M' => 1e6, 'G' => 1e9, _ => 1 };
        var number = multiplier == 1 ? text : text[..^1];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value * multiplier
            : throw new ArgumentException($"--{name} must be a rate like 10M (bits per second), not '{text}'");
    }
}
