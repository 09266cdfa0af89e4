using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.LoadGen;

/// <summary>One sample of the soaked relay: what /proc says about the process and what /metrics says about its work.</summary>
public sealed record SoakSample
{
    /// <summary>Seconds since the load started.</summary>
    public double Seconds { get; init; }

    public double RssMiB { get; init; }

    public int Fds { get; init; }

    public int Threads { get; init; }

    /// <summary>The relay's CPU since the previous sample, in % of one core.</summary>
    public double CpuPercent { get; init; }

    public double EdgesConnected { get; init; }

    public double TunnelsTotal { get; init; }

    public double TcpStreamsActive { get; init; }

    public double BufferedBytes { get; init; }

    public double BytesForwardedTotal { get; init; }

    /// <summary>The relay's managed heap, allocated and not yet collected (MiB); NaN in results written before it was sampled.</summary>
    public double GcHeapMiB { get; init; } = double.NaN;

    /// <summary>Column names, in the order of <see cref="Values"/>; the CSV header and the JSON field names.</summary>
    public static readonly string[] Columns =
    [
        "seconds", "rss_mib", "fds", "threads", "cpu_pct", "edges_connected", "tunnels_total", "tcp_streams_active",
        "buffered_bytes", "bytes_forwarded_total", "gc_heap_mib",
    ];

    public double[] Values() =>
        [Seconds, RssMiB, Fds, Threads, CpuPercent, EdgesConnected, TunnelsTotal, TcpStreamsActive, BufferedBytes, BytesForwardedTotal, GcHeapMiB];

    public static SoakSample FromValues(IReadOnlyDictionary<string, double> values)
    {
        double Get(string name) => values.TryGetValue(name, out var v) ? v
            : throw new FormatException($"sample without '{name}'");
        return new SoakSample
        {
            Seconds = Get("seconds"),
            RssMiB = Get("rss_mib"),
            Fds = (int)Get("fds"),
            Threads = (int)Get("threads"),
            CpuPercent = Get("cpu_pct"),
            EdgesConnected = Get("edges_connected"),
            TunnelsTotal = Get("tunnels_total"),
            TcpStreamsActive = Get("tcp_streams_active"),
            BufferedBytes = Get("buffered_bytes"),
            BytesForwardedTotal = Get("bytes_forwarded_total"),
            GcHeapMiB = values.GetValueOrDefault("gc_heap_mib", double.NaN),
        };
    }

    public static string ToCsv(IEnumerable<SoakSample> samples)
    {
        var text = new StringBuilder(string.Join(',', Columns)).Append('\n');
        foreach (var sample in samples)
        {
            text.AppendJoin(',', sample.Values().Select(v => v.ToString("0.###", CultureInfo.InvariantCulture))).Append('\n');
        }

        return text.ToString();
    }

    public static void Write(Utf8JsonWriter writer, SoakSample sample)
    {
        writer.WriteStartObject();
        var values = sample.Values();
        for (var i = 0; i < Columns.Length; i++)
        {
            writer.WriteNumber(Columns[i], Math.Round(values[i], 3));
        }

        writer.WriteEndObject();
    }

    /// <summary>The <c>samples</c> array of a soak results file (samples.json).</summary>
    public static List<SoakSample> ReadAll(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("samples", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'samples' array");
        }

        var samples = new List<SoakSample>();
        foreach (var element in array.EnumerateArray())
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number)
                {
                    values[property.Name] = property.Value.GetDouble();
                }
            }

            samples.Add(FromValues(values));
        }

        return samples;
    }
}
