using System.Globalization;
using System.Net;
using System.Text.Json;

namespace BilbyRelay.LoadGen;

/// <summary>
/// <c>stalled</c>: receivers that stop reading. --stalled-pairs sender edges each write into --streams streams of their
/// tunnel for --seconds while the receiving edge accepts the streams and never reads them; one healthy tunnel pair
/// transfers alongside (and alone just before, for comparison). Measures what the relay holds meanwhile, whether the
/// stalled senders' control streams and other tunnels still work, and what the relay gives back once every edge left.
/// <c>attack</c>: the same with 200 pairs, max_buffered_bytes = 256 MiB and, once the streams are blocked, max-rate
/// datagrams into the stalled tunnels.
/// Relay path only; the senders and the receivers run as child processes (stalled-senders, stalled-peer).
/// </summary>
public static class StalledScenario
{
    /// <summary>max_buffered_bytes the attack variant gives the relay unless --max-buffered-bytes says otherwise.</summary>
    public const long AttackBudgetBytes = 256L << 20;

    private const int AttackPairs = 200;
    private const int SecondsAfterEdgesLeft = 30;

    // The healthy tunnel's stream is limited by time, never by size.
    private const long HealthyBytes = 1L << 40;

    private static readonly TimeSpan s_childTimeout = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(IPEndPoint relay, IPEndPoint api, int relayPid, Options options, RunReport report, bool attack)
    {
        var pairs = options.Int("stalled-pairs", attack ? AttackPairs : 20);
        var streams = options.Int("streams", 8);
        var seconds = options.Double("seconds", 10);
        var settleSeconds = options.Double("settle-seconds", 20);
        var datagrams = attack || options.Has("datagrams");
        var datagramSeconds = datagrams ? options.Double("dgram-seconds", 5) : 0;
        var soloSeconds = options.Double("solo-seconds", 5);
        var rssLimitMiB = options.Bytes("rss-limit", 4L << 30) / 1048576.0;
        string[] tunnelArgs =
        [
            "--relay", relay.ToString(),
            "--stalled-tunnels", NewTunnelIds(pairs),
            "--second-tunnels", NewTunnelIds(pairs),
        ];
        report.Add("stalled_pairs", pairs);
        report.Add("stalled_streams_per_sender", streams);

        var helpers = new List<ChildProcess>();
        TestPath? healthy = null;
        try
        {
            var peerPids = new List<int>();
            healthy = await Runner.ConnectPathAsync("relay", relay, Guid.NewGuid(), Guid.NewGuid(), helpers, peerPids).ConfigureAwait(false);
            var peers = new Peers(peerPids, relayPid);
            var receivers = ChildProcess.StartSelf(["stalled-peer", .. tunnelArgs]);
            helpers.Add(receivers);
            await receivers.WaitForLineAsync("BOUND", s_childTimeout).ConfigureAwait(false);

            Console.Error.WriteLine($"healthy tunnel alone, {soloSeconds} s");
            await Scenarios.GoodputAsync(healthy, report, peers, "healthy_solo", 1, HealthyBytes, soloSeconds).ConfigureAwait(false);

            Console.Error.WriteLine($"stall: {pairs} senders x {streams} streams into receivers that never read, {seconds} s; healthy tunnel alongside");
            await using (var sampler = new MemorySampler(relayPid))
            {
                string[] senderArgs =
                [
                    "stalled-senders", .. tunnelArgs,
                    "--streams", streams.ToString(CultureInfo.InvariantCulture),
                    "--seconds", seconds.ToString(CultureInfo.InvariantCulture),
                    "--settle-seconds", settleSeconds.ToString(CultureInfo.InvariantCulture),
                    .. datagrams ? ["--datagrams", "--dgram-seconds", datagramSeconds.ToString(CultureInfo.InvariantCulture), "--payload", options.Int("payload", 1316).ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
                ];
                var senders = ChildProcess.StartSelf(senderArgs);
                helpers.Add(senders);
                await senders.WaitForLineAsync("STALLING", s_childTimeout).ConfigureAwait(false);
                try
                {
                    await Scenarios.GoodputAsync(healthy, report, peers, "healthy_during_stall", 1, HealthyBytes, seconds).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // GoodputAsync gives the far end's byte count 30 s after the writing stopped.
                    report.Add("healthy_during_stall_MBps", 0);
                    report.Note("the healthy tunnel's stream was not delivered within 30 s after the stall's writing time: counted as 0 MB/s");
                }
                var result = await WaitForResultAsync(senders, sampler, rssLimitMiB, seconds + settleSeconds + datagramSeconds, report).ConfigureAwait(false);

                report.Add("relay_rss_end_of_stall_MiB", ProcStats.Memory(relayPid).RssMiB);
                ReportMetrics(await StatsEndpoint.ScrapeMetricsAsync(api, TimeSpan.FromSeconds(5)).ConfigureAwait(false), report);
                await sampler.DisposeAsync().ConfigureAwait(false);
                report.Add("relay_rss_peak_stall_MiB", sampler.PeakRssMiB);
                if (result is not null)
                {
                    ReportSenders(result, report);
                }
            }

            if (report.Figures.TryGetValue("healthy_solo_MBps", out var solo) && report.Figures.TryGetValue("healthy_during_stall_MBps", out var during) && solo > 0)
            {
                report.Add("healthy_during_stall_pct_of_solo", 100 * during / solo);
            }

            Console.Error.WriteLine($"every edge leaves; relay memory {SecondsAfterEdgesLeft} s later");
            await healthy.DisposeAsync().ConfigureAwait(false);
            healthy = null;
            await StopAllAsync(helpers).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(SecondsAfterEdgesLeft)).ConfigureAwait(false);
            var after = ProcStats.Memory(relayPid).RssMiB;
            report.Add($"relay_rss_{SecondsAfterEdgesLeft}s_after_edges_left_MiB", after);

            // A process that exited (or is a zombie) has no VmRSS.
            report.Add("relay_alive_at_end", after > 0 ? 1 : 0);
        }
        finally
        {
            if (healthy is not null)
            {
                await healthy.DisposeAsync().ConfigureAwait(false);
            }

            await StopAllAsync(helpers).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The senders' RESULT line, or null when they failed or were stopped because the relay's RSS passed --rss-limit
    /// (a guard for shared machines: a relay without a memory bound can take gigabytes in this probe).
    /// </summary>
    private static async Task<StalledSendersResult?> WaitForResultAsync(ChildProcess senders, MemorySampler sampler, double rssLimitMiB, double seconds, RunReport report)
    {
        var line = senders.WaitForLineAsync("RESULT ", TimeSpan.FromSeconds(seconds + 60));
        while (!line.IsCompleted)
        {
            await Task.WhenAny(line, Task.Delay(100)).ConfigureAwait(false);
            if (!line.IsCompleted && sampler.PeakRssMiB > rssLimitMiB)
            {
                report.Note($"relay RSS passed --rss-limit ({rssLimitMiB:0} MiB); the senders were stopped before the end of the stall");
                await senders.StopAsync().ConfigureAwait(false);
                break;
            }
        }

        try
        {
            var (_, text) = await line.ConfigureAwait(false);
            return JsonSerializer.Deserialize(text[(text.IndexOf("RESULT ", StringComparison.Ordinal) + "RESULT ".Length)..], LoadGenJson.Default.StalledSendersResult);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or JsonException)
        {
            report.Note($"stalled-senders gave no result: {e.Message}");
            return null;
        }
    }

    private static void ReportSenders(StalledSendersResult result, RunReport report)
    {
        report.Add("stalled_all_senders_blocked", result.AllBlocked ? 1 : 0);
        report.Add("stalled_last_accepted_write_s", result.LastWriteSeconds);
        report.Add("stalled_write_phase_s", result.WriteSeconds);
        if (!result.AllBlocked)
        {
            report.Note("writes into the stalled tunnels still completed at the end: the relay had not stopped every sender, so the probes ran before the stall was complete");
        }

        AddStat(report, "stalled_accepted_MB_per_sender", result.AcceptedBytes.Select(b => b / 1e6));
        var pongs = result.PongMs.Where(ms => ms >= 0).ToList();
        report.Add("stalled_senders_with_pong", pongs.Count);
        report.Add("stalled_senders_with_pong_within_1s", pongs.Count(ms => ms <= 1000));
        AddStat(report, "stalled_pong_rtt_ms", pongs);
        var second = result.SecondTunnelMs.Where(ms => ms >= 0).ToList();
        report.Add("stalled_senders_second_tunnel_ok", second.Count);
        AddStat(report, "stalled_second_tunnel_ms", second);
        report.Add("stalled_streams_ended_by_relay", result.StreamErrors);
        if (result.DatagramsAccepted + result.DatagramsRefused > 0)
        {
            report.Add("stalled_datagrams_sent", result.DatagramsAccepted);
            report.Add("stalled_datagrams_refused_by_sender", result.DatagramsRefused);
        }
    }

    /// <summary>Median, min and max of one value per sender (nothing when no sender has one).</summary>
    private static void AddStat(RunReport report, string name, IEnumerable<double> values)
    {
        if (Summary.Stat(values.ToList()) is { } stat)
        {
            report.Add($"{name}_median", stat.Median);
            report.Add($"{name}_min", stat.Min);
            report.Add($"{name}_max", stat.Max);
        }
    }

    /// <summary>The relay's memory-budget gauges and datagram drops by reason (a relay without them reports none).</summary>
    private static void ReportMetrics(Dictionary<string, double> metrics, RunReport report)
    {
        if (metrics.Count == 0)
        {
            report.Note("GET /metrics did not answer at the end of the stall");
            return;
        }

        if (metrics.TryGetValue("bilbycast_relay_buffered_bytes", out var buffered))
        {
            report.Add("relay_buffered_MiB_end_of_stall", buffered / 1048576);
        }

        if (metrics.TryGetValue("bilbycast_relay_max_buffered_bytes", out var budget))
        {
            report.Add("relay_max_buffered_MiB", budget / 1048576);
        }

        const string drops = "bilbycast_relay_datagram_drops_total{reason=\"";
        foreach (var (sample, count) in metrics.Where(m => m.Key.StartsWith(drops, StringComparison.Ordinal)))
        {
            report.Add($"relay_datagram_drops_{sample[drops.Length..sample.IndexOf('"', drops.Length)]}", count);
        }
    }

    private static string NewTunnelIds(int count) => string.Join(',', Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString("D")));

    private static async Task StopAllAsync(List<ChildProcess> helpers)
    {
        foreach (var helper in helpers)
        {
            await helper.DisposeAsync().ConfigureAwait(false);
        }

        helpers.Clear();
    }
}
