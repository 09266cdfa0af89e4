using System.Globalization;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// <c>udp</c>: T tunnels of paced 1316-byte datagrams (seven MPEG-TS packets, as SRT carries them) at
/// <c>--rate</c> each (10 Mbit/s by default): loss, one-way latency percentiles and jitter.
/// </summary>
public sealed class UdpScenario : IScenario
{
    public const int MediaPayload = 1316;

    public string Name => "udp";

    public async Task RunAsync(ScenarioRun run)
    {
        var tunnels = run.Count("tunnels", 4, 1000);
        var rate = run.BitRate("rate", "10M");
        var seconds = run.Seconds("seconds", 5);
        await using var pair = await EdgePair.ConnectAsync(run.Target.Quic, 0, tunnels, run.Stop).ConfigureAwait(false);
        var payload = await Payload(run, pair).ConfigureAwait(false);
        run.Step(string.Create(CultureInfo.InvariantCulture, $"udp: {tunnels} tunnels x {rate / 1e6:0.##} Mbit/s of {payload}-byte datagrams for {seconds} s"));
        var result = await MeasureAsync(pair, tunnels * rate / (payload * 8.0), seconds, payload, "udp", run.Stop).ConfigureAwait(false);
        Record(run, "udp", "datagrams", result, payload);
    }

    /// <summary>The payload asked for (<c>--payload</c>), or what the path takes when that is smaller (noted).</summary>
    internal static async Task<int> Payload(ScenarioRun run, EdgePair pair)
    {
        var wanted = run.Count("payload", MediaPayload, 65_000);
        var payload = await pair.WaitForDatagramPayloadAsync(wanted, run.Stop).ConfigureAwait(false);
        if (payload < wanted)
        {
            run.Note($"the path takes datagram payloads of at most {payload} bytes; measured with those instead of {wanted}");
        }

        return Math.Max(DatagramProbe.HeaderBytes, payload);
    }

    internal static async Task<DatagramResult> MeasureAsync(EdgePair pair, double totalPps, double seconds, int payload, string title, CancellationToken stop)
    {
        DatagramProbe? live = null;
        using var progress = new ProgressLine(title, seconds, () => live is not { } p ? "" : string.Create(CultureInfo.InvariantCulture,
            $"{p.Sent} sent, {p.Received} received ({(p.Sent == 0 ? 0 : 100.0 * (p.Sent - p.Received) / p.Sent):0.###} % missing so far)"));
        return await DatagramProbe.RunAsync(pair, totalPps, seconds, payload, p => live = p, stop).ConfigureAwait(false);
    }

    /// <summary>Figures named <c>PREFIX_...</c> and the latency distribution as a line named <paramref name="line"/>.</summary>
    internal static void Record(ScenarioRun run, string prefix, string line, DatagramResult result, int payload)
    {
        run.Figure($"{prefix}_offered_pps", result.OfferedPps, "datagrams/s");
        run.Figure($"{prefix}_delivered_Mbit_per_s", result.DeliveredMbps(payload), "Mbit/s");
        run.Figure($"{prefix}_loss_pct", result.LossPct, "%");
        run.Figure($"{prefix}_latency_p50_us", result.Percentile(0.50), "us");
        run.Figure($"{prefix}_latency_p99_us", result.Percentile(0.99), "us");
        run.Figure($"{prefix}_latency_p999_us", result.Percentile(0.999), "us");
        run.Figure($"{prefix}_latency_max_us", result.Percentile(1), "us");
        run.Figure($"{prefix}_jitter_us", result.JitterUs, "us");
        if (result.Refused > 0)
        {
            run.Note($"{prefix}: {result.Refused} datagrams refused by the sending edge's own engine (counted as lost)");
        }

        run.Document.DistributionChart("one-way datagram latency", "us").Add(line, result.LatencyUs);
    }
}
