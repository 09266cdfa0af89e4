using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using BilbyRelay.LoadGen.Reporting;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// Runs one operator scenario against one relay (<c>--relay HOST:PORT</c>, or a relay binary it starts) or two
/// (<c>--compare A,B</c>, measured in the same run and interleaved: A then B, then B then A for each further round),
/// then prints the figures (or the whole document with <c>--json</c>) and writes <c>--report DIR</c>.
/// Ctrl-C stops the measurement and still prints and writes what was measured.
/// </summary>
public static class ScenarioCommand
{
    /// <summary>The exit code of an interrupted run (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(IScenario scenario, Options options, TextWriter output, bool handleSignals, CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var signals = handleSignals
            ? new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM }.Select(s => PosixSignalRegistration.Create(s, c =>
            {
                // The first signal stops the measurement and keeps its figures; a second one ends the process at once.
                c.Cancel = !stop.IsCancellationRequested;
                stop.Cancel();
            })).ToList()
            : [];
        try
        {
            var specs = Specs(options);
            var rounds = options.Int("rounds", 1);
            if (rounds is < 1 or > 100)
            {
                throw new ArgumentException("--rounds must be between 1 and 100");
            }

            var document = new ReportDocument { Command = scenario.Name, Title = $"bilbyrelay-loadgen {scenario.Name}" };
            document.Context["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
            document.Context["load average at start"] = ProcStats.LoadAverage();
            document.Context["rounds"] = rounds.ToString(CultureInfo.InvariantCulture);
            var results = await MeasureAsync(scenario, options, specs, rounds, document, stop.Token).ConfigureAwait(false);
            Merge(document, results, compare: specs.Count > 1);
            document.Complete = !stop.IsCancellationRequested;
            if (!document.Complete)
            {
                document.Notes.Add("interrupted: these are the figures measured until then");
            }

            Print(document, output, options.Has("json"));
            if (options.Get("report") is { } directory)
            {
                ReportWriter.Write(document, directory);
                await Console.Error.WriteLineAsync($"report: {Path.Combine(directory, ReportWriter.HtmlFile)} and {ReportWriter.JsonFile}").ConfigureAwait(false);
            }

            return document.Complete ? 0 : Interrupted;
        }
        finally
        {
            signals.ForEach(s => s.Dispose());
        }
    }

    private static List<string> Specs(Options options)
    {
        if (options.Get("compare") is { } compare)
        {
            var specs = options.List("compare", "").ToList();
            return specs.Count == 2 ? specs : throw new ArgumentException($"--compare takes two relays, A,B (addresses or binaries), not '{compare}'");
        }

        return [options.Get("relay") ?? RelayLaunch.Binary(options)];
    }

    private static async Task<List<(RelayTarget Target, List<ReportDocument> Runs)>> MeasureAsync(
        IScenario scenario, Options options, List<string> specs, int rounds, ReportDocument document, CancellationToken stop)
    {
        var results = new List<(RelayTarget Target, List<ReportDocument> Runs)>();
        var samplers = new List<ResourceSampler>();
        try
        {
            for (var i = 0; i < specs.Count; i++)
            {
                var label = specs.Count == 1 ? "relay" : $"{(char)('A' + i)} {(File.Exists(specs[i]) ? Path.GetFileName(specs[i]) : specs[i])}";
                var target = await RelayTarget.OpenAsync(specs[i], label, options, stop).ConfigureAwait(false);
                results.Add((target, []));
                document.Context[specs.Count == 1 ? "relay" : $"relay {label}"] = specs[i] + (File.Exists(specs[i]) ? $" started on {target.Quic}" : "");
                if (target.Pid is { } pid)
                {
                    samplers.Add(new ResourceSampler(pid,
                        ReportDocument.Chart(document.TimeSeries, "relay resident memory", "seconds", "MiB").Line(label),
                        ReportDocument.Chart(document.TimeSeries, "relay CPU", "seconds", "% of one core").Line(label)));
                }
            }

            for (var round = 0; round < rounds && !stop.IsCancellationRequested; round++)
            {
                var order = round % 2 == 0 ? results : Enumerable.Reverse(results).ToList();
                foreach (var (target, runs) in order)
                {
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    var run = new ReportDocument();
                    runs.Add(run);
                    await RunOneAsync(scenario, new ScenarioRun(target, options, run, stop)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var sampler in samplers)
            {
                await sampler.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var (target, _) in results)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }
        }

        return results;
    }

    private static async Task RunOneAsync(IScenario scenario, ScenarioRun run)
    {
        try
        {
            await scenario.RunAsync(run).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QuicException or IOException or ChannelClosedException)
        {
            throw new InvalidOperationException($"relay {run.Target.Label} at {run.Target.Quic}: {e.Message}", e);
        }
    }

    /// <summary>
    /// One document from every run: figures are medians over the rounds, charts come from the first round, and with two
    /// relays every figure and line names its relay and each figure both measured becomes a comparison (ratio B/A).
    /// </summary>
    internal static void Merge(ReportDocument into, List<(RelayTarget Target, List<ReportDocument> Runs)> results, bool compare)
    {
        foreach (var (target, runs) in results)
        {
            var subject = compare ? target.Label : null;
            foreach (var name in runs.SelectMany(r => r.Figures).Select(f => f.Name).Distinct())
            {
                var values = runs.SelectMany(r => r.Figures).Where(f => f.Name == name).ToList();
                into.AddFigure(name, Summary.Stat(values.Select(f => f.Value).ToList())!.Median, values[0].Unit, subject);
            }

            if (runs.Count == 0)
            {
                continue;
            }

            if (runs.Count > 1)
            {
                into.Notes.Add($"{target.Label}: figures are medians of {runs.Count} rounds; charts show the first");
            }

            foreach (var (from, to) in new[] { (runs[0].Sweeps, into.Sweeps), (runs[0].TimeSeries, into.TimeSeries) })
            {
                foreach (var chart in from)
                {
                    var merged = ReportDocument.Chart(to, chart.Title, chart.XLabel, chart.YLabel);
                    chart.Series.ForEach(s => merged.Line(Name(subject, s.Label)).Points.AddRange(s.Points));
                }
            }

            foreach (var distribution in runs[0].Distributions)
            {
                var merged = into.DistributionChart(distribution.Title, distribution.Unit);
                merged.Samples.AddRange(distribution.Samples.Select(q => new Quantiles { Label = Name(subject, q.Label), Count = q.Count, Points = q.Points }));
            }

            into.Notes.AddRange(runs.SelectMany(r => r.Notes).Distinct().Select(n => subject is null ? n : $"{subject}: {n}"));
        }

        if (compare && results.Count == 2)
        {
            var (a, b) = (results[0].Target.Label, results[1].Target.Label);
            foreach (var first in into.Figures.Where(f => f.Subject == a).ToList())
            {
                if (into.FindFigure(first.Name, b) is { } second)
                {
                    into.Comparisons.Add(new Comparison
                    {
                        Figure = first.Name,
                        Unit = first.Unit,
                        Values = [new SubjectValue { Subject = a, Value = first.Value }, new SubjectValue { Subject = b, Value = second.Value }],
                        Ratio = first.Value == 0 ? null : Math.Round(second.Value / first.Value, 3),
                    });
                }
            }
        }
    }

    private static string Name(string? subject, string label) =>
        subject is null ? label : string.IsNullOrEmpty(label) ? subject : $"{subject}: {label}";

    private static void Print(ReportDocument document, TextWriter output, bool json)
    {
        if (json)
        {
            output.WriteLine(ReportWriter.Json(document));
            return;
        }

        if (document.Comparisons.Count > 0)
        {
            var subjects = document.Comparisons[0].Values.Select(v => v.Subject).ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"figure",-44} {subjects[0],16} {subjects[1],16} {"B/A",8}"));
            foreach (var c in document.Comparisons)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Figure,-44} {c.Values[0].Value,16:0.###} {c.Values[1].Value,16:0.###} {(c.Ratio is { } r ? r.ToString("0.###", CultureInfo.InvariantCulture) : "-"),8}"));
            }
        }
        else
        {
            foreach (var f in document.Figures)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-44} {f.Value,16:0.###} {f.Unit}"));
            }
        }

        foreach (var note in document.Notes)
        {
            output.WriteLine($"note: {note}");
        }
    }
}
