using System.Diagnostics;
using System.Net;

namespace BilbyRelay.LoadGen;

/// <summary>Takes a <see cref="SoakSample"/> of the relay from /proc/&lt;pid&gt; and its /metrics.</summary>
internal sealed class SoakSampler(int pid, IPEndPoint api)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private double _lastCpu = ProcStats.CpuSeconds(pid);
    private long _lastAt = Stopwatch.GetTimestamp();

    public async Task<SoakSample> SampleAsync()
    {
        var metrics = await StatsEndpoint.ScrapeMetricsAsync(api, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var now = Stopwatch.GetTimestamp();
        var cpu = ProcStats.CpuSeconds(pid);
        var wall = Stopwatch.GetElapsedTime(_lastAt, now).TotalSeconds;
        var cpuPercent = wall > 0 ? 100 * (cpu - _lastCpu) / wall : 0;
        (_lastCpu, _lastAt) = (cpu, now);
        double Metric(string name) => metrics.GetValueOrDefault(name, double.NaN);
        return new SoakSample
        {
            Seconds = Stopwatch.GetElapsedTime(_start, now).TotalSeconds,
            RssMiB = ProcStats.Memory(pid).RssMiB,
            Fds = ProcStats.OpenFds(pid),
            Threads = ProcStats.Threads(pid),
            CpuPercent = cpuPercent,
            EdgesConnected = Metric("bilbycast_relay_edges_connected"),
            TunnelsTotal = Metric("bilbycast_relay_tunnels_total"),
            TcpStreamsActive = Metric("bilbycast_relay_tcp_streams_active"),
            BufferedBytes = Metric("bilbycast_relay_buffered_bytes"),
            BytesForwardedTotal = Metric("bilbycast_relay_bytes_forwarded_total"),
            GcHeapMiB = Metric("bilbycast_relay_gc_heap_bytes") / (1024 * 1024),
        };
    }
}
