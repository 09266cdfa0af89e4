using System.Diagnostics;
using System.Globalization;
using System.Net;
using BilbyRelay.ChaosCheck;

// bilbyrelay-chaos-check: runs in the edges' network namespace (scripts/chaos) and drives simulated edges
// through an impairing UDP forwarder to the relay in its own namespace. Prints one line per check and fails
// (exit 1) when any check misses its bound.
//
//   bilbyrelay-chaos-check --relay IP:PORT --api http://IP:PORT --idle-timeout S [--bytes N] [--datagrams N]
//       [--rate N] [--blackout-seconds S] [--log FILE] -- RELAY COMMAND...
var options = ParseOptions(args, out var relayCommand);
var relayAddress = IPEndPoint.Parse(options["relay"]);
var api = new Uri(options["api"]);
long bytes = ParseSize(options.GetValueOrDefault("bytes", "64M"));
int datagrams = int.Parse(options.GetValueOrDefault("datagrams", "20000"), CultureInfo.InvariantCulture);
int rate = int.Parse(options.GetValueOrDefault("rate", "1000"), CultureInfo.InvariantCulture);
int idleTimeout = int.Parse(options["idle-timeout"], CultureInfo.InvariantCulture);
int blackoutSeconds = int.Parse(options.GetValueOrDefault("blackout-seconds", "30"), CultureInfo.InvariantCulture);
string log = options.GetValueOrDefault("log", "relay.log");
const double LossMargin = 0.005;

var impairment = new ImpairmentSwitch();
using var forwarder = new ImpairingForwarder(relayAddress, impairment);
using var metrics = new RelayMetrics(api);
var path = forwarder.ListenEndPoint;
var failures = new List<string>();
var relay = await RelayProcess.StartAsync(relayCommand, log, TimeSpan.FromSeconds(15));
try
{
    foreach (var profile in Impairment.Matrix)
    {
        impairment.Current = profile;
        using var phase = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await using (var pair = await EdgePair.ConnectAsync(path, "tcp", phase.Token))
            {
                var took = await StreamExchange.RunAsync(pair, bytes, phase.Token);
                Report(profile.Name, $"tcp {bytes >> 20} MiB each way byte-exact, no reset, {took.TotalSeconds:F1} s ({2 * bytes / took.TotalSeconds / 1e6:F1} MB/s both ways)", true);
            }

            var count = new DatagramCount(datagrams);
            await using (var pair = await EdgePair.ConnectAsync(path, "udp", phase.Token, count.OnDatagram))
            {
                long dropsBefore = await metrics.DatagramDropsAsync(phase.Token);
                impairment.ToRelay.Reset();
                impairment.ToEdge.Reset();
                var (loss, duplicates) = await count.RunAsync(pair, rate, phase.Token);
                long relayDrops = await metrics.DatagramDropsAsync(phase.Token) - dropsBefore;
                double applied = impairment.AppliedEndToEndLoss;
                double bound = applied + LossMargin;
                Report(
                    profile.Name,
                    $"datagrams {datagrams} at {rate}/s: loss {loss:P2} (path applied {applied:P2}, nominal {profile.ExpectedEndToEndLoss:P2}, bound {bound:P2}), relay dropped {relayDrops}, {duplicates} delivered twice",
                    loss <= bound && duplicates == 0);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or BilbyRelay.Quic.QuicException)
        {
            Report(profile.Name, "failed: " + e.Message, false);
        }
    }

    impairment.Current = Impairment.None;
    await BlackoutAsync();
    relay = await RestartAsync(relay);
}
finally
{
    relay.Dispose();
}

Console.WriteLine(failures.Count == 0 ? "chaos: every check passed" : $"chaos: {failures.Count} check(s) failed");
return failures.Count == 0 ? 0 : 1;

// The path goes silent for longer than the idle timeout: the relay must drop both edges within the idle
// timeout (plus 2 s for the probe schedule and the metrics poll), and new edges must work once it is back.
async Task BlackoutAsync()
{
    const string Name = "blackout";
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(blackoutSeconds + 60));
    try
    {
        // Edges from the lossy phases whose close was lost are still counted until their idle timeout.
        if (await metrics.SecondsUntilEdgesAsync(0, TimeSpan.FromSeconds(idleTimeout + 10), cts.Token) is null)
        {
            Report(Name, "edges of earlier phases were never cleaned up", false);
            return;
        }

        var pair = await EdgePair.ConnectAsync(path, "tcp", cts.Token);
        await StreamExchange.RunAsync(pair, 1 << 20, cts.Token);
        long before = await metrics.EdgesConnectedAsync(cts.Token);
        var blackout = Stopwatch.StartNew();
        impairment.Blackout = true;
        var cleaned = await metrics.SecondsUntilEdgesAsync(0, TimeSpan.FromSeconds(blackoutSeconds), cts.Token);
        Report(
            Name,
            cleaned is { } seconds
                ? $"{before} edges dropped by the relay {seconds:F1} s into a {blackoutSeconds} s blackout (idle timeout {idleTimeout} s)"
                : $"{before} edges still counted after {blackoutSeconds} s of blackout",
            cleaned is { } s && s <= idleTimeout + 2);
        var rest = TimeSpan.FromSeconds(blackoutSeconds) - blackout.Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, cts.Token);
        }

        impairment.Blackout = false;
        await pair.DisposeAsync();
        var back = Stopwatch.StartNew();
        await using var fresh = await EdgePair.ConnectAsync(path, "tcp", cts.Token);
        await StreamExchange.RunAsync(fresh, 1 << 20, cts.Token);
        Report(Name, $"after the blackout new edges bound a tunnel and moved 1 MiB each way in {back.Elapsed.TotalSeconds:F2} s", true);
    }
    catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or BilbyRelay.Quic.QuicException or HttpRequestException)
    {
        Report(Name, "failed: " + e.Message, false);
    }
}

// SIGKILL, then a fresh relay: edges dialling again must be served within a second of the new process starting.
async Task<RelayProcess> RestartAsync(RelayProcess running)
{
    const string Name = "SIGKILL + restart";
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    await using (var pair = await EdgePair.ConnectAsync(path, "tcp", cts.Token))
    {
        await StreamExchange.RunAsync(pair, 64 * 1024, cts.Token);
        running.KillHard();
        running.Dispose();
    }

    var restarted = RelayProcess.Launch(relayCommand, log);
    int attempts = 0;
    while (true)
    {
        attempts++;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        attempt.CancelAfter(TimeSpan.FromMilliseconds(250));
        try
        {
            await using var pair = await EdgePair.ConnectAsync(path, "tcp", attempt.Token);
            await StreamExchange.RunAsync(pair, 64 * 1024, cts.Token);
            var served = Stopwatch.GetElapsedTime(restarted.StartedAt);
            Report(Name, $"reconnecting edges bound and moved 64 KiB {served.TotalMilliseconds:F0} ms after the new relay process started ({attempts} attempts)", served <= TimeSpan.FromSeconds(1));
            return restarted;
        }
        catch (Exception e) when (!cts.IsCancellationRequested && e is OperationCanceledException or BilbyRelay.Quic.QuicException or InvalidOperationException)
        {
            // Not listening yet: dial again, as an edge does.
        }
    }
}

void Report(string phase, string text, bool passed)
{
    Console.WriteLine($"{(passed ? "PASS" : "FAIL")}  {phase,-24} {text}");
    if (!passed)
    {
        failures.Add(phase + ": " + text);
    }
}

static Dictionary<string, string> ParseOptions(string[] args, out string[] relayCommand)
{
    int split = Array.IndexOf(args, "--");
    if (split < 0 || split == args.Length - 1)
    {
        throw new ArgumentException("usage: bilbyrelay-chaos-check --relay IP:PORT --api URL --idle-timeout S [options] -- RELAY COMMAND...");
    }

    relayCommand = args[(split + 1)..];
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i + 1 < split; i += 2)
    {
        options[args[i].TrimStart('-')] = args[i + 1];
    }

    return options;
}

static long ParseSize(string text) => char.ToUpperInvariant(text[^1]) switch
{
    'K' => long.Parse(text[..^1], CultureInfo.InvariantCulture) << 10,
    'M' => long.Parse(text[..^1], CultureInfo.InvariantCulture) << 20,
    'G' => long.Parse(text[..^1], CultureInfo.InvariantCulture) << 30,
    _ => long.Parse(text, CultureInfo.InvariantCulture),
};
