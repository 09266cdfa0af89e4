using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.LoadGen;

/// <summary>
/// A soak's results directory: samples.json (configuration, figures, trends, notes and every sample), samples.csv (the
/// samples alone, for a spreadsheet) and summary.md (the figures and a table of the samples every 5 minutes).
/// </summary>
public static class SoakResults
{
    /// <summary>What a samples.json holds that a report needs (the configuration stays in the file).</summary>
    public sealed record Recorded(string StartedUtc, bool Passed, IReadOnlyDictionary<string, double> Figures, IReadOnlyList<string> Notes, IReadOnlyList<SoakSample> Samples)
    {
        public IReadOnlyList<SoakTrend>? Trends => Samples.Count >= 3 ? SoakVerdict.Trends(Samples) : null;

        /// <summary>The verdict under the current rule, from the recorded counts and samples.</summary>
        public bool PassesNow => SoakVerdict.Passes(Figure("crashes"), Figure("byte_errors"), Figure("transfer_failures"),
            Figures.ContainsKey("cleanup_seconds"), Trends);

        private double Figure(string name) => Figures.TryGetValue(name, out var value) ? value : double.NaN;
    }

    public static Recorded Read(string json)
    {
        var samples = SoakSample.ReadAll(json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (root.TryGetProperty("figures", out var figureObject) && figureObject.ValueKind == JsonValueKind.Object)
        {
            foreach (var figure in figureObject.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Number))
            {
                figures[figure.Name] = figure.Value.GetDouble();
            }
        }

        var notes = root.TryGetProperty("notes", out var noteArray) && noteArray.ValueKind == JsonValueKind.Array
            ? noteArray.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
            : [];
        return new Recorded(
            root.TryGetProperty("started_utc", out var started) ? started.GetString() ?? "" : "",
            root.TryGetProperty("passed", out var passed) && passed.ValueKind == JsonValueKind.True,
            figures, notes, samples);
    }

    public static Recorded Record(SoakResult result) => new(
        result.StartedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), result.Passed,
        result.Figures(), [.. result.Notes, .. result.Failures], result.Samples);

    public static void Write(string directory, SoakResult result)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "samples.json"), ToJson(result));
        File.WriteAllText(Path.Combine(directory, "samples.csv"), SoakSample.ToCsv(result.Samples));
        File.WriteAllText(Path.Combine(directory, "summary.md"), ToMarkdown(result));
    }

    public static string ToJson(SoakResult result)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("started_utc", result.StartedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            writer.WriteBoolean("passed", result.Passed);
            writer.WriteStartObject("config");
            var config = result.Config;
            writer.WriteNumber("duration_s", config.Duration.TotalSeconds);
            writer.WriteNumber("sample_interval_s", config.SampleInterval.TotalSeconds);
            writer.WriteNumber("idle_timeout_secs", config.IdleTimeoutSecs);
            writer.WriteNumber("keep_alive_interval_secs", config.KeepAliveIntervalSecs);
            writer.WriteNumber("stream_bytes", config.Load.StreamBytes);
            writer.WriteNumber("stream_interval_s", config.Load.StreamInterval);
            writer.WriteNumber("datagram_rate", config.Load.DatagramRate);
            writer.WriteNumber("datagram_payload", config.Load.DatagramPayload);
            writer.WriteNumber("churn_workers", config.Load.ChurnWorkers);
            writer.WriteNumber("churn_period_s", config.Load.ChurnPeriod);
            writer.WriteNumber("churn_stream_bytes", config.Load.ChurnStreamBytes);
            writer.WriteNumber("churn_datagrams", config.Load.ChurnDatagrams);
            writer.WriteNumber("processors", Environment.ProcessorCount);
            writer.WriteEndObject();
            writer.WriteStartObject("figures");
            foreach (var (name, value) in result.Figures())
            {
                if (double.IsFinite(value))
                {
                    writer.WriteNumber(name, Math.Round(value, 3));
                }
                else
                {
                    writer.WriteNull(name);
                }
            }

            writer.WriteEndObject();
            writer.WriteStartArray("trends");
            foreach (var trend in result.Trends ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("metric", trend.Metric);
                writer.WriteString("statistic", trend.Statistic);
                writer.WriteNumber("first_window", Math.Round(trend.First, 3));
                writer.WriteNumber("last_window", Math.Round(trend.Last, 3));
                writer.WriteNumber("first_window_mean", Math.Round(trend.FirstMean, 3));
                writer.WriteNumber("last_window_mean", Math.Round(trend.LastMean, 3));
                writer.WriteNumber("limit", Math.Round(trend.Limit, 3));
                writer.WriteBoolean("judged", trend.Judged);
                writer.WriteBoolean("flat", trend.Flat);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("notes");
            foreach (var note in result.Notes.Concat(result.Failures))
            {
                writer.WriteStringValue(note);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("samples");
            foreach (var sample in result.Samples)
            {
                SoakSample.Write(writer, sample);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string ToMarkdown(SoakResult result)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Soak {result.StartedUtc:yyyy-MM-dd HH:mm} UTC: {(result.Passed ? "passed" : "FAILED")}");
        text.AppendLine();
        text.AppendLine("```");
        text.Append(result.Describe());
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("| min | RSS MiB | fds | threads | CPU % | edges | tunnels | forwarded GB |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var sample in EveryFiveMinutes(result.Samples))
        {
            text.AppendLine(FormattableString.Invariant(
                $"| {sample.Seconds / 60:0} | {sample.RssMiB:0.0} | {sample.Fds} | {sample.Threads} | {sample.CpuPercent:0} | {sample.EdgesConnected} | {sample.TunnelsTotal} | {sample.BytesForwardedTotal / 1e9:0.00} |"));
        }

        return text.ToString();
    }

    /// <summary>The first sample at or after each whole 5 minutes, and the last sample.</summary>
    public static IEnumerable<SoakSample> EveryFiveMinutes(IReadOnlyList<SoakSample> samples)
    {
        var next = 0.0;
        for (var i = 0; i < samples.Count; i++)
        {
            if (samples[i].Seconds >= next || i == samples.Count - 1)
            {
                yield return samples[i];
                next = (Math.Floor(samples[i].Seconds / 300) + 1) * 300;
            }
        }
    }
}
