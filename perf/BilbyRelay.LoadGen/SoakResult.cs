using System.Globalization;
using System.Text;

namespace BilbyRelay.LoadGen;

/// <summary>The outcome of one soak run: counts from the load, samples of the relay, and the verdict.</summary>
public sealed class SoakResult
{
    public required SoakConfig Config { get; init; }

    public DateTime StartedUtc { get; init; }

    public List<SoakSample> Samples { get; } = [];

    public List<string> Notes { get; } = [];

    public double LoadSeconds { get; set; }

    public int Crashes { get; set; }

    public int RelayExitCode { get; set; }

    /// <summary>Edges and tunnels the relay still held when the cleanup wait ended (NaN: not asked).</summary>
    public double EdgesLeft { get; set; } = double.NaN;

    public double TunnelsLeft { get; set; } = double.NaN;

    /// <summary>Seconds from the end of the load until the relay held no edge and no tunnel (NaN: it never got there).</summary>
    public double CleanupSeconds { get; set; } = double.NaN;

    public SoakSample? AfterCleanup { get; set; }

    public long ChurnCycles { get; private set; }

    public long EdgesVanished { get; private set; }

    public long TcpStreams { get; private set; }

    public long TcpBytesVerified { get; private set; }

    public long ByteErrors { get; private set; }

    public long TransferFailures { get; private set; }

    public long DatagramsSent { get; private set; }

    public long DatagramsReceived { get; private set; }

    public IReadOnlyList<string> Failures { get; private set; } = [];

    public double DatagramLossPercent => DatagramsSent > 0 ? 100.0 * (DatagramsSent - DatagramsReceived) / DatagramsSent : 0;

    public bool CleanedUp => !double.IsNaN(CleanupSeconds);

    /// <summary>Null when there were too few samples to judge.</summary>
    public IReadOnlyList<SoakTrend>? Trends => Samples.Count >= 3 ? SoakVerdict.Trends(Samples) : null;

    public bool Passed => SoakVerdict.Passes(Crashes, ByteErrors, TransferFailures, CleanedUp, Trends);

    public void TakeLoad(SoakLoad load)
    {
        ChurnCycles = load.ChurnCycles;
        EdgesVanished = load.EdgesVanished;
        TcpStreams = load.TcpStreams;
        TcpBytesVerified = load.TcpBytesVerified;
        ByteErrors = load.ByteErrors;
        TransferFailures = load.TransferFailures;
        DatagramsSent = load.DatagramsSent;
        DatagramsReceived = load.DatagramsReceived;
        Failures = load.Failures;
    }

    /// <summary>Named figures (units in the names), as written to summary.json.</summary>
    public SortedDictionary<string, double> Figures()
    {
        var figures = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["load_seconds"] = LoadSeconds,
            ["crashes"] = Crashes,
            ["relay_exit_code"] = RelayExitCode,
            ["churn_cycles"] = ChurnCycles,
            ["churn_cycles_per_min"] = LoadSeconds > 0 ? ChurnCycles * 60 / LoadSeconds : 0,
            ["edges_vanished"] = EdgesVanished,
            ["tcp_streams"] = TcpStreams,
            ["tcp_bytes_verified"] = TcpBytesVerified,
            ["byte_errors"] = ByteErrors,
            ["transfer_failures"] = TransferFailures,
            ["datagrams_sent"] = DatagramsSent,
            ["datagrams_received"] = DatagramsReceived,
            ["datagram_loss_pct"] = DatagramLossPercent,
            ["edges_left"] = EdgesLeft,
            ["tunnels_left"] = TunnelsLeft,
            ["cleanup_seconds"] = CleanupSeconds,
            ["samples"] = Samples.Count,
            ["passed"] = Passed ? 1 : 0,
        };
        if (Samples.Count > 0)
        {
            figures["relay_bytes_forwarded"] = Samples[^1].BytesForwardedTotal;
            figures["max_edges_connected"] = Samples.Max(s => s.EdgesConnected);
            figures["max_rss_mib"] = Samples.Max(s => s.RssMiB);
            figures["mean_cpu_pct"] = Samples.Skip(1).DefaultIfEmpty(Samples[0]).Average(s => s.CpuPercent);
        }

        foreach (var trend in Trends ?? [])
        {
            figures[$"{trend.Metric}_first_window_{trend.Statistic}"] = trend.First;
            figures[$"{trend.Metric}_last_window_{trend.Statistic}"] = trend.Last;
            figures[$"{trend.Metric}_growth_pct"] = trend.GrowthPercent;
            figures[$"{trend.Metric}_first_window_mean"] = trend.FirstMean;
            figures[$"{trend.Metric}_last_window_mean"] = trend.LastMean;
        }

        return figures;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"soak {(Passed ? "PASSED" : "FAILED")} after {LoadSeconds / 60:0.0} min");
        text.AppendLine(CultureInfo.InvariantCulture, $"  crashes {Crashes}, byte errors {ByteErrors}, transfer failures {TransferFailures}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  churn cycles {ChurnCycles} ({EdgesVanished} edges vanished), TCP streams {TcpStreams}, {TcpBytesVerified / 1e9:0.00} GB verified");
        text.AppendLine(CultureInfo.InvariantCulture, $"  datagrams {DatagramsReceived}/{DatagramsSent} ({DatagramLossPercent:0.###} % lost)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  cleanup: {(CleanedUp ? $"no edge or tunnel left {CleanupSeconds:0.0} s after the load" : $"{EdgesLeft} edges, {TunnelsLeft} tunnels left")}");
        foreach (var trend in Trends ?? [])
        {
            text.Append("  ").AppendLine(trend.Describe());
        }

        foreach (var note in Notes.Concat(Failures))
        {
            text.AppendLine($"  note: {note}");
        }

        return text.ToString();
    }
}
