using System.Diagnostics;
using System.Globalization;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// <c>tcp</c>: K tunnels × S streams of bulk bytes from edge A to edge B, one step per S in <c>--streams</c>: goodput
/// (bytes B counted) and how evenly the streams shared it (Jain's index: 1 is perfectly fair, 1/n is one stream taking all).
/// </summary>
public sealed class TcpScenario : IScenario
{
    public string Name => "tcp";

    public async Task RunAsync(ScenarioRun run)
    {
        var tunnels = run.Count("tunnels", 2, 1000);
        var seconds = run.Seconds("seconds", 5);
        var steps = run.Options.List("streams", "1,4").Select(s =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000 ? n
                : throw new ArgumentException($"--streams takes streams per tunnel between 1 and 1000, not '{s}'")).ToList();
        var bytes = run.Options.Bytes("bytes", 64L << 30);
        await using var pair = await EdgePair.ConnectAsync(run.Target.Quic, tunnels, 0, run.Stop).ConfigureAwait(false);
        var sweep = ReportDocument.Chart(run.Document.Sweeps, "TCP goodput vs streams", "streams", "Mbit/s");
        var fairness = ReportDocument.Chart(run.Document.Sweeps, "TCP fairness vs streams", "streams", "Jain's index");
        foreach (var perTunnel in steps)
        {
            if (run.Stop.IsCancellationRequested)
            {
                break;
            }

            var streams = tunnels * perTunnel;
            run.Step($"tcp: {tunnels} tunnels x {perTunnel} streams for {seconds} s");
            var (mbps, jain) = await MeasureAsync(pair, streams, bytes / streams, seconds, run.Stop).ConfigureAwait(false);
            run.Figure($"tcp_{streams}streams_goodput_Mbit_per_s", mbps, "Mbit/s");
            run.Figure($"tcp_{streams}streams_jain_fairness", jain, "index");
            sweep.Line("goodput").Add(streams, mbps);
            fairness.Line("fairness").Add(streams, jain);
        }
    }

    /// <summary>Bulk streams spread over the pair's tunnels until <paramref name="seconds"/> pass: (Mbit/s, Jain's index).</summary>
    /// <remarks>The live status line is shown only when this is the one thing measured (not as <c>mixed</c>'s background load).</remarks>
    internal static async Task<(double Mbps, double Jain)> MeasureAsync(EdgePair pair, int streams, long perStream, double seconds, CancellationToken stop, bool showProgress = true)
    {
        long written = 0;
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(seconds * Stopwatch.Frequency);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
        using var progress = showProgress
            ? new ProgressLine($"tcp {streams} streams", seconds, () => string.Create(CultureInfo.InvariantCulture,
                $"{Interlocked.Read(ref written) * 8 / 1e6 / Math.Max(0.001, Stopwatch.GetElapsedTime(start).TotalSeconds):0} Mbit/s sent"))
            : null;
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i =>
        {
            var tunnel = pair.TcpTunnels[i % pair.TcpTunnels.Count];
            return Scenarios.SendStreamAsync(ct => pair.A.OpenTunnelStreamAsync(tunnel, ct), perStream, deadline, timeout.Token, stop,
                n => Interlocked.Add(ref written, n));
        })).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var received = results.Select(r => (double)Math.Max(0, r.Received)).ToArray();
        return (received.Sum() * 8 / 1e6 / elapsed, Jain(received));
    }

    /// <summary>Jain's fairness index (Σx)² / (n·Σx²); 1 when every share is equal.</summary>
    public static double Jain(IReadOnlyCollection<double> shares)
    {
        var sumOfSquares = shares.Sum(x => x * x);
        return sumOfSquares == 0 ? double.NaN : Math.Pow(shares.Sum(), 2) / (shares.Count * sumOfSquares);
    }
}
