using System.Diagnostics;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// Samples a local relay's resident memory and CPU (percent of one core) every half second into two time series, for
/// at most <see cref="MaxSamples"/> samples.
/// </summary>
public sealed class ResourceSampler : IAsyncDisposable
{
    public const int MaxSamples = 20_000;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;

    public ResourceSampler(int pid, Series rss, Series cpu)
    {
        _task = Task.Run(async () =>
        {
            var start = Stopwatch.GetTimestamp();
            var lastCpu = ProcStats.CpuSeconds(pid);
            var lastAt = 0.0;
            try
            {
                for (var i = 0; i < MaxSamples; i++)
                {
                    await Task.Delay(500, _stop.Token).ConfigureAwait(false);
                    var at = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    var cpuNow = ProcStats.CpuSeconds(pid);
                    lock (rss)
                    {
                        rss.Add(at, ProcStats.Memory(pid).RssMiB);
                        cpu.Add(at, 100 * (cpuNow - lastCpu) / (at - lastAt));
                    }

                    (lastCpu, lastAt) = (cpuNow, at);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _task.ConfigureAwait(false);
        _stop.Dispose();
    }
}
