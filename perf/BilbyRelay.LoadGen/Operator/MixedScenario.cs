using System.Globalization;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// <c>mixed</c>: the <c>udp</c> measurement twice, first alone and then while bulk TCP streams between two other edges
/// saturate the relay: how much media loss and tail latency a bulk transfer costs (figures <c>mixed_alone_*</c>
/// next to <c>mixed_loaded_*</c>).
/// </summary>
public sealed class MixedScenario : IScenario
{
    public string Name => "mixed";

    public async Task RunAsync(ScenarioRun run)
    {
        var tunnels = run.Count("tunnels", 4, 1000);
        var rate = run.BitRate("rate", "10M");
        var seconds = run.Seconds("seconds", 5);
        var bulkStreams = run.Count("bulk-streams", 8, 1000);
        await using var media = await EdgePair.ConnectAsync(run.Target.Quic, 0, tunnels, run.Stop).ConfigureAwait(false);
        await using var bulk = await EdgePair.ConnectAsync(run.Target.Quic, 1, 0, run.Stop).ConfigureAwait(false);
        var payload = await UdpScenario.Payload(run, media).ConfigureAwait(false);
        var pps = tunnels * rate / (payload * 8.0);

        run.Step(string.Create(CultureInfo.InvariantCulture, $"mixed: {tunnels} datagram tunnels x {rate / 1e6:0.##} Mbit/s alone for {seconds} s"));
        var alone = await UdpScenario.MeasureAsync(media, pps, seconds, payload, "datagrams alone", run.Stop).ConfigureAwait(false);
        UdpScenario.Record(run, "mixed_alone", "datagrams alone", alone, payload);
        if (run.Stop.IsCancellationRequested)
        {
            return;
        }

        run.Step($"mixed: the same with {bulkStreams} bulk TCP streams alongside");
        using var stopBulk = CancellationTokenSource.CreateLinkedTokenSource(run.Stop);

        // The bulk streams run a little longer than the datagrams so the datagrams never see the relay unloaded.
        var bulkTask = TcpScenario.MeasureAsync(bulk, bulkStreams, long.MaxValue, seconds + 1, stopBulk.Token, showProgress: false);
        var loaded = await UdpScenario.MeasureAsync(media, pps, seconds, payload, "datagrams with bulk TCP", run.Stop).ConfigureAwait(false);
        await stopBulk.CancelAsync().ConfigureAwait(false);
        var (bulkMbps, _) = await bulkTask.ConfigureAwait(false);
        UdpScenario.Record(run, "mixed_loaded", "datagrams with bulk TCP", loaded, payload);
        run.Figure("mixed_bulk_goodput_Mbit_per_s", bulkMbps, "Mbit/s");
        run.Figure("mixed_loss_added_pct", loaded.LossPct - alone.LossPct, "%");
        run.Figure("mixed_p99_ratio_loaded_over_alone", loaded.Percentile(0.99) / alone.Percentile(0.99), "ratio");
    }
}
