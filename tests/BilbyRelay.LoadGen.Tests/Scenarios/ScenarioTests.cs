using BilbyRelay.LoadGen.Operator;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

/// <summary>Every operator scenario at a small size against the in-process relay, addressed with --relay HOST:PORT.</summary>
public sealed class ScenarioTests
{
    [Fact]
    public async Task Tcp_reports_goodput_and_fairness_for_each_stream_count()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        var (exit, document) = await LoadGenRun.JsonAsync("tcp", ["--relay", relay.Endpoint.ToString(), "--tunnels", "2", "--streams", "1,2", "--seconds", "1", "--bytes", "8M"]);

        Assert.Equal(0, exit);
        Assert.True(document.Complete);
        foreach (var streams in new[] { 2, 4 })
        {
            Assert.InRange(document.Figure($"tcp_{streams}streams_goodput_Mbit_per_s"), 0.01, 1e6);
            Assert.InRange(document.Figure($"tcp_{streams}streams_jain_fairness"), 1.0 / streams, 1.0);
        }

        var sweep = document.Sweeps.Single(s => s.Title == "TCP goodput vs streams").Series.Single();
        Assert.Equal([2.0, 4.0], sweep.Points.Select(p => p.X));
        Assert.Equal(document.Figure("tcp_4streams_goodput_Mbit_per_s"), sweep.Points[1].Y);
    }

    [Fact]
    public async Task Udp_reports_loss_latency_percentiles_and_jitter()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        var (exit, document) = await LoadGenRun.JsonAsync("udp", ["--relay", relay.Endpoint.ToString(), "--tunnels", "2", "--rate", "2M", "--seconds", "1"]);

        Assert.Equal(0, exit);
        var offered = document.Figure("udp_offered_pps");
        Assert.InRange(offered, 2 * 2e6 / (1316 * 8) * 0.8, 2 * 2e6 / (1316 * 8) * 1.2);
        Assert.InRange(document.Figure("udp_loss_pct"), 0, 10);
        var p50 = document.Figure("udp_latency_p50_us");
        Assert.InRange(p50, 1, 1e6);
        Assert.InRange(document.Figure("udp_latency_p99_us"), p50, 1e7);
        Assert.True(document.Figure("udp_jitter_us") >= 0);
        var latency = document.Distributions.Single().Samples.Single();
        Assert.True(latency.Count > 0);
        Assert.Equal(1.0, latency.Points[^1].Y);
    }

    [Fact]
    public async Task Ramp_steps_up_the_rate_and_reports_the_highest_one_within_the_loss_limit()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        var (exit, document) = await LoadGenRun.JsonAsync("ramp",
            ["--relay", relay.Endpoint.ToString(), "--start-pps", "250", "--max-pps", "1000", "--step-seconds", "0.5", "--refine", "1", "--max-loss", "5"]);

        Assert.Equal(0, exit);
        var steps = document.Figure("ramp_steps");
        var loss = document.Sweeps.Single().Series.Single().Points;
        Assert.Equal(steps, loss.Count);
        Assert.InRange(steps, 2, 4); // 250, 500, 1000 (then at most one refinement)
        Assert.Contains(document.Figure("ramp_max_pps"), new[] { 0.0, 250, 500, 750, 875, 1000 });
        Assert.Equal(loss.OrderBy(p => p.X).Select(p => p.X), loss.Select(p => p.X));
    }

    [Fact]
    public async Task Mixed_reports_datagrams_alone_next_to_datagrams_with_bulk_tcp()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        var (exit, document) = await LoadGenRun.JsonAsync("mixed",
            ["--relay", relay.Endpoint.ToString(), "--tunnels", "1", "--rate", "1M", "--seconds", "1", "--bulk-streams", "2"]);

        Assert.Equal(0, exit);
        Assert.InRange(document.Figure("mixed_alone_loss_pct"), 0, 100);
        Assert.InRange(document.Figure("mixed_loaded_loss_pct"), 0, 100);
        Assert.True(document.Figure("mixed_loaded_latency_p99_us") > 0);
        Assert.True(document.Figure("mixed_bulk_goodput_Mbit_per_s") > 0);
        Assert.Equal(["datagrams alone", "datagrams with bulk TCP"], document.Distributions.Single().Samples.Select(s => s.Label));
    }

    [Fact]
    public async Task Churn_connects_binds_unbinds_and_reconnects_without_errors()
    {
        await using var relay = await LoadGenRun.RelayAsync();
        var (exit, document) = await LoadGenRun.JsonAsync("churn", ["--relay", relay.Endpoint.ToString(), "--edges", "3", "--tunnels", "2", "--cycles", "2"]);

        Assert.Equal(0, exit);
        Assert.Equal(0, document.Figure("churn_errors"));
        Assert.Equal(2, document.Figure("churn_cycles"));
        Assert.True(document.Figure("churn_handshakes_per_s") > 0);
        Assert.True(document.Figure("churn_binds_per_s") > 0);
        var notifications = document.Distributions.Single(d => d.Title.StartsWith("notification", StringComparison.Ordinal)).Samples;
        Assert.Equal([12L, 12L], notifications.Select(s => s.Count)); // 3 edges x 2 tunnels x 2 cycles, ready and down
    }

    [Fact]
    public async Task Bad_options_are_refused_with_a_clear_error()
    {
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => LoadGenRun.JsonAsync("udp", ["--relay", "127.0.0.1:1", "--rate", "fast"]));
        Assert.Contains("--rate", unknown.Message, StringComparison.Ordinal);
        var compare = await Assert.ThrowsAsync<ArgumentException>(() => LoadGenRun.JsonAsync("tcp", ["--compare", "127.0.0.1:1"]));
        Assert.Contains("two relays", compare.Message, StringComparison.Ordinal);
        var address = await Assert.ThrowsAsync<ArgumentException>(() => LoadGenRun.JsonAsync("tcp", ["--relay", "no-port-here"]));
        Assert.Contains("HOST:PORT", address.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 5.0, 5.0, 5.0, 5.0 }, 1.0)]
    [InlineData(new[] { 8.0, 0.0, 0.0, 0.0 }, 0.25)]
    [InlineData(new[] { 3.0, 1.0 }, 0.8)]
    public void Jain_index_is_one_for_equal_shares_and_one_over_n_when_one_takes_all(double[] shares, double expected) =>
        Assert.Equal(expected, TcpScenario.Jain(shares), 6);
}
