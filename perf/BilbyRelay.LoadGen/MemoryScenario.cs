namespace BilbyRelay.LoadGen;

/// <summary>
/// Whether the relay gives memory back: stream goodput and a max-rate datagram burst at the same time, then the relay's
/// VmRSS sampled while the edges stay connected with nothing to send. Relay path only (it needs the relay's pid).
/// </summary>
public static class MemoryScenario
{
    /// <summary>Seconds after the load at which VmRSS is recorded as <c>relay_rss_after_load_&lt;s&gt;s_MiB</c>.</summary>
    private static readonly int[] s_afterLoadSeconds = [5, 10, 20, 30];

    public static async Task RunAsync(TestPath path, RunReport report, Peers peers, int relayPid, int streams, long bytes, double seconds, double datagramSeconds, int payload)
    {
        report.Add("memory_rss_before_load_MiB", ProcStats.Memory(relayPid).RssMiB);
        var datagrams = payload > 0 && await Scenarios.WarmUpDatagramsAsync(path, payload, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (!datagrams)
        {
            report.Note($"memory: no {payload}-byte datagram came back within 10 s; load is streams only");
        }

        await using (var sampler = new MemorySampler(relayPid))
        {
            var goodput = Scenarios.GoodputAsync(path, report, peers, $"memory_goodput_{streams}streams", streams, bytes, seconds);
            var burst = datagrams ? Scenarios.DatagramsAsync(path, report, peers, "memory_max", 0, datagramSeconds, payload) : Task.CompletedTask;
            await Task.WhenAll(goodput, burst).ConfigureAwait(false);
            await sampler.DisposeAsync().ConfigureAwait(false);
            report.Add("relay_rss_peak_load_MiB", sampler.PeakRssMiB);
        }

        var loadEnded = TimeSpan.FromMilliseconds(Environment.TickCount64);
        foreach (var after in s_afterLoadSeconds)
        {
            var due = loadEnded + TimeSpan.FromSeconds(after) - TimeSpan.FromMilliseconds(Environment.TickCount64);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due).ConfigureAwait(false);
            }

            report.Add($"relay_rss_after_load_{after}s_MiB", ProcStats.Memory(relayPid).RssMiB);
        }
    }
}
