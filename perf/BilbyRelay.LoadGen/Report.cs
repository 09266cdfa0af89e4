using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BilbyRelay.LoadGen;

/// <summary>One run of one subcommand: flat named figures (same names on the direct and the relay path) plus notes.</summary>
public sealed class RunReport
{
    [JsonPropertyName("tool")]
    public string Tool { get; set; } = "bilbyrelay-loadgen";

    [JsonPropertyName("command")]
    public string Command { get; set; } = "";

    /// <summary>"direct" or "relay".</summary>
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    [JsonPropertyName("started_utc")]
    public string StartedUtc { get; set; } = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [JsonPropertyName("processors")]
    public int Processors { get; set; } = Environment.ProcessorCount;

    [JsonPropertyName("load_average_at_start")]
    public string LoadAverage { get; set; } = ProcStats.LoadAverage();

    /// <summary>Figure name → value. Units are in the name (_MBps, _pps, _us, _ms, _MiB, _pct, _per_s, _s_per_GB).</summary>
    [JsonPropertyName("figures")]
    public SortedDictionary<string, double> Figures { get; set; } = new(StringComparer.Ordinal);

    [JsonPropertyName("notes")]
    public List<string> Notes { get; set; } = [];

    public void Add(string name, double value)
    {
        if (double.IsFinite(value))
        {
            Figures[name] = Math.Round(value, 3);
        }

        Console.Error.WriteLine(FormattableString.Invariant($"  {name,-44} {value,14:0.###}"));
    }

    public void Note(string text)
    {
        Notes.Add(text);
        Console.Error.WriteLine($"  note: {text}");
    }

    public string ToJsonLine() => JsonSerializer.Serialize(this, LoadGenJson.Default.RunReport);
}

/// <summary>The table run-bench writes: every figure with its median and range on each path, and relay/direct.</summary>
public sealed class SummaryRow
{
    [JsonPropertyName("figure")]
    public string Figure { get; set; } = "";

    [JsonPropertyName("direct")]
    public Stat? Direct { get; set; }

    [JsonPropertyName("relay")]
    public Stat? Relay { get; set; }

    [JsonPropertyName("ratio_relay_over_direct")]
    public double? Ratio { get; set; }
}

public sealed class Stat
{
    [JsonPropertyName("median")]
    public double Median { get; set; }

    [JsonPropertyName("min")]
    public double Min { get; set; }

    [JsonPropertyName("max")]
    public double Max { get; set; }

    [JsonPropertyName("runs")]
    public int Runs { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(List<SummaryRow>))]
[JsonSerializable(typeof(StalledSendersResult))]
internal sealed partial class LoadGenJson : JsonSerializerContext
{
}
