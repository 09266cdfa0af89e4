using System.Diagnostics;
using System.Text.Json;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.LoadGen.Operator;
using BilbyRelay.LoadGen.Reporting;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

public sealed class CompareAndInterruptTests
{
    [Fact]
    public async Task Compare_measures_two_relays_by_address_and_reports_b_over_a_in_json_and_html()
    {
        await using var first = await LoadGenRun.RelayAsync();
        await using var second = await LoadGenRun.RelayAsync();
        using var directory = new TempFilesDirectory();
        var (exit, document) = await LoadGenRun.JsonAsync("udp",
            ["--compare", $"{first.Endpoint},{second.Endpoint}", "--tunnels", "1", "--rate", "1M", "--seconds", "0.5", "--report", directory.Path]);

        Assert.Equal(0, exit);
        var (a, b) = ($"A {first.Endpoint}", $"B {second.Endpoint}");
        var loss = document.Comparisons.Single(c => c.Figure == "udp_latency_p50_us");
        Assert.Equal([a, b], loss.Values.Select(v => v.Subject));
        Assert.Equal(document.Figure("udp_latency_p50_us", a), loss.Values[0].Value);
        Assert.Equal(Math.Round(document.Figure("udp_latency_p50_us", b) / document.Figure("udp_latency_p50_us", a), 3), loss.Ratio);
        Assert.Equal([$"{a}: datagrams", $"{b}: datagrams"], document.Distributions.Single().Samples.Select(s => s.Label));

        var written = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(directory.Path, ReportWriter.JsonFile)), ReportJson.Default.ReportDocument)!;
        Assert.Equal(document.Comparisons.Count, written.Comparisons.Count);
        var html = File.ReadAllText(Path.Combine(directory.Path, ReportWriter.HtmlFile));
        Assert.Contains($"data-ratio=\"{SvgChart.Exact(loss.Ratio!.Value)}\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_starts_two_relay_binaries_on_free_ports_and_stops_them()
    {
        var binary = PublishedRelay.FindBinary();
        var (exit, document) = await LoadGenRun.JsonAsync("tcp",
            ["--compare", $"{binary},{binary}", "--tunnels", "1", "--streams", "1", "--seconds", "0.5", "--bytes", "4M"]);

        Assert.Equal(0, exit);
        var goodput = document.Comparisons.Single(c => c.Figure == "tcp_1streams_goodput_Mbit_per_s");
        Assert.All(goodput.Values, v => Assert.True(v.Value > 0));
        Assert.Equal(["A bilbyrelay", "B bilbyrelay"], goodput.Values.Select(v => v.Subject));

        // Both relays were sampled while they ran (resident memory over time, one line each).
        var rss = document.TimeSeries.Single(t => t.Title == "relay resident memory");
        Assert.Equal(["A bilbyrelay", "B bilbyrelay"], rss.Series.Select(s => s.Label));
    }

    [Fact]
    public async Task An_interrupted_run_returns_promptly_with_what_it_measured()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        using var interrupt = new CancellationTokenSource();
        var run = LoadGenRun.JsonAsync("udp", ["--relay", relay.Endpoint.ToString(), "--tunnels", "1", "--rate", "1M", "--seconds", "60"], interrupt.Token);

        // Interrupt once both edges are bound: the datagram measurement is starting or running.
        await Polling.UntilAsync(() => relay.Relay.ActiveTunnels >= 1 || run.IsCompleted, TestTimeouts.Default, () => "the scenario never bound its tunnel");
        var clock = Stopwatch.StartNew();
        await interrupt.CancelAsync();
        var (exit, document) = await run;

        Assert.Equal(ScenarioCommand.Interrupted, exit);
        Assert.False(document.Complete);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed} after the interrupt");
        Assert.True(document.Figure("udp_offered_pps") >= 0); // present: measured until the interrupt
        Assert.Contains(document.Notes, n => n.StartsWith("interrupted", StringComparison.Ordinal));
    }
}
