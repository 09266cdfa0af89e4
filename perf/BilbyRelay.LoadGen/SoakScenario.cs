using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace BilbyRelay.LoadGen;

/// <summary>Everything one soak run needs; <see cref="FromOptions"/> maps the command line onto it.</summary>
public sealed record SoakConfig
{
    public required string RelayBinary { get; init; }

    public required TimeSpan Duration { get; init; }

    public required string ResultsDirectory { get; init; }

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The spawned relay's idle_timeout_secs: short, so vanished edges are cleaned up many times within a run.</summary>
    public int IdleTimeoutSecs { get; init; } = 6;

    public int KeepAliveIntervalSecs { get; init; } = 2;

    public SoakLoadSettings Load { get; init; } = new();

    public static SoakConfig FromOptions(Options options)
    {
        var duration = options.Has("seconds") ? TimeSpan.FromSeconds(options.Double("seconds", 0)) : TimeSpan.FromMinutes(options.Double("minutes", 60));
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("--minutes / --seconds must be positive");
        }

        // At least ~150 samples, so that each 10 % window of a short run still averages several.
        var defaultSample = Math.Clamp(duration.TotalSeconds / 150, 0.25, 5);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var defaults = new SoakLoadSettings();
        return new SoakConfig
        {
            RelayBinary = RelayLaunch.Binary(options),
            Duration = duration,
            ResultsDirectory = options.Get("results", Path.Combine("perf", "results", $"soak-{stamp}")),
            SampleInterval = TimeSpan.FromSeconds(options.Double("sample-seconds", defaultSample)),
            IdleTimeoutSecs = options.Int("idle-timeout", 6),
            KeepAliveIntervalSecs = options.Int("keep-alive", 2),
            Load = new SoakLoadSettings
            {
                StreamBytes = options.Bytes("stream-bytes", defaults.StreamBytes),
                StreamInterval = options.Double("stream-interval", defaults.StreamInterval),
                DatagramRate = options.Int("rate", defaults.DatagramRate),
                DatagramPayload = options.Int("payload", defaults.DatagramPayload),
                ChurnWorkers = options.Int("churn-workers", defaults.ChurnWorkers),
                ChurnPeriod = options.Double("churn-period", defaults.ChurnPeriod),
                ChurnStreamBytes = options.Bytes("churn-bytes", defaults.ChurnStreamBytes),
                ChurnDatagrams = options.Int("churn-datagrams", defaults.ChurnDatagrams),
            },
        };
    }
}

/// <summary>
/// The <c>soak</c> command: spawns the relay binary on free loopback ports with a short idle timeout, runs
/// <see cref="SoakLoad"/> against it for the duration while sampling the relay, then checks that every edge and
/// tunnel is gone once the load stopped and writes the results. Exit status 0 only when the run passed.
/// </summary>
public static class SoakScenario
{
    public static async Task<int> RunAsync(Options options)
    {
        var config = SoakConfig.FromOptions(options);
        var result = await ExecuteAsync(config).ConfigureAwait(false);
        Console.Error.WriteLine(result.Describe());
        Console.Error.WriteLine($"results in {config.ResultsDirectory}");
        return result.Passed ? 0 : 1;
    }

    public static async Task<SoakResult> ExecuteAsync(SoakConfig config)
    {
        Directory.CreateDirectory(config.ResultsDirectory);
        var result = new SoakResult { Config = config, StartedUtc = DateTime.UtcNow };

        // Vanished edges must be cleaned up many times within a run: short idle timeout and keep-alive.
        var (relayProcess, quic, api) = RelayLaunch.Start(config.RelayBinary, "warn", settings: new Dictionary<string, string>
        {
            ["BILBYRELAY_IDLE_TIMEOUT_SECS"] = config.IdleTimeoutSecs.ToString(CultureInfo.InvariantCulture),
            ["BILBYRELAY_KEEP_ALIVE_INTERVAL_SECS"] = config.KeepAliveIntervalSecs.ToString(CultureInfo.InvariantCulture),
        });
        await using var relay = relayProcess;
        await StartupProbe.WaitForHealthAsync(api, () => relay.Elapsed, TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        var load = new SoakLoad(quic, config.Load);
        var sampler = new SoakSampler(relay.Pid, api);
        await load.StartAsync().ConfigureAwait(false);
        Console.Error.WriteLine($"soak: relay pid {relay.Pid} on {quic}, {config.Duration.TotalMinutes:0.#} min, sample every {config.SampleInterval.TotalSeconds:0.#} s");
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromMinutes(1);
        for (var next = TimeSpan.Zero; ; next += config.SampleInterval)
        {
            if (next > clock.Elapsed)
            {
                await Task.Delay(next - clock.Elapsed).ConfigureAwait(false);
            }

            if (relay.HasExited)
            {
                result.Crashes++;
                result.Notes.Add($"the relay exited during the run:\n{relay.Tail()}");
                break;
            }

            result.Samples.Add(await sampler.SampleAsync().ConfigureAwait(false));
            if (clock.Elapsed >= nextReport)
            {
                nextReport += TimeSpan.FromMinutes(1);
                var s = result.Samples[^1];
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"  {clock.Elapsed.TotalMinutes,5:0.0} min  rss {s.RssMiB:0.0} MiB  fds {s.Fds}  threads {s.Threads}  cpu {s.CpuPercent:0}%  edges {s.EdgesConnected}  cycles {load.ChurnCycles}  byte errors {load.ByteErrors}  failures {load.TransferFailures}"));
            }

            if (clock.Elapsed >= config.Duration)
            {
                break;
            }
        }

        await load.StopAsync().ConfigureAwait(false);
        result.LoadSeconds = clock.Elapsed.TotalSeconds;
        if (!relay.HasExited)
        {
            await WaitForCleanupAsync(api, config, result).ConfigureAwait(false);
            result.AfterCleanup = await sampler.SampleAsync().ConfigureAwait(false);
        }

        result.RelayExitCode = await relay.StopAsync().ConfigureAwait(false);
        if (result.RelayExitCode != 0 && result.Crashes == 0)
        {
            result.Crashes++;
            result.Notes.Add($"the relay exited with {result.RelayExitCode} after SIGTERM:\n{relay.Tail()}");
        }

        result.TakeLoad(load);
        SoakResults.Write(config.ResultsDirectory, result);
        SoakReport.Write(config.ResultsDirectory, SoakResults.Record(result));
        return result;
    }

    /// <summary>
    /// Once the load stopped, the long-lived edges have closed and the last churned ones are silent: every edge and
    /// tunnel must be gone within one idle timeout plus a keep-alive interval (and a margin for a busy machine).
    /// </summary>
    private static async Task WaitForCleanupAsync(IPEndPoint api, SoakConfig config, SoakResult result)
    {
        var limit = TimeSpan.FromSeconds(config.IdleTimeoutSecs + config.KeepAliveIntervalSecs + 10);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await StatsEndpoint.ScrapeMetricsAsync(api, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            result.EdgesLeft = metrics.GetValueOrDefault("bilbycast_relay_edges_connected", double.NaN);
            result.TunnelsLeft = metrics.GetValueOrDefault("bilbycast_relay_tunnels_total", double.NaN);
            if (result.EdgesLeft == 0 && result.TunnelsLeft == 0)
            {
                result.CleanupSeconds = clock.Elapsed.TotalSeconds;
                return;
            }

            if (clock.Elapsed > limit)
            {
                result.Notes.Add($"{result.EdgesLeft} edges and {result.TunnelsLeft} tunnels still held {limit.TotalSeconds} s after the load stopped");
                return;
            }

            await Task.Delay(250).ConfigureAwait(false);
        }
    }
}
