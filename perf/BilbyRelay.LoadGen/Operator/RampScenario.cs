using System.Globalization;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// <c>ramp</c>: the highest datagram rate the relay carries with at most <c>--max-loss</c> (0.1 %) loss. The rate
/// doubles from <c>--start-pps</c> until a step loses more (or <c>--max-pps</c> is reached), then
/// <c>--refine</c> halvings narrow the gap between the last good and the first bad rate.
/// </summary>
public sealed class RampScenario : IScenario
{
    public string Name => "ramp";

    public async Task RunAsync(ScenarioRun run)
    {
        var tunnels = run.Count("tunnels", 1, 1000);
        var seconds = run.Seconds("step-seconds", 3);
        var start = run.Count("start-pps", 1000, 10_000_000);
        var max = run.Count("max-pps", 200_000, 10_000_000);
        var refine = run.Options.Int("refine", 3);
        var maxLoss = run.Options.Double("max-loss", 0.1);
        if (refine is < 0 or > 10 || maxLoss is < 0 or > 100 || start > max)
        {
            throw new ArgumentException("--refine must be 0 to 10, --max-loss 0 to 100 (%), and --start-pps at most --max-pps");
        }

        await using var pair = await EdgePair.ConnectAsync(run.Target.Quic, 0, tunnels, run.Stop).ConfigureAwait(false);
        var payload = await UdpScenario.Payload(run, pair).ConfigureAwait(false);
        var sweep = ReportDocument.Chart(run.Document.Sweeps, "datagram loss vs offered rate", "datagrams/s offered", "loss %");
        double good = 0, bad = 0;
        var steps = 0;

        async Task<bool> StepAsync(double pps)
        {
            steps++;
            run.Step(string.Create(CultureInfo.InvariantCulture, $"ramp: {pps:0} datagrams/s for {seconds} s"));
            var result = await UdpScenario.MeasureAsync(pair, pps, seconds, payload, $"ramp {pps:0}/s", run.Stop).ConfigureAwait(false);
            sweep.Line("loss").Add(result.OfferedPps, result.LossPct);
            var ok = result.LossPct <= maxLoss;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {result.OfferedPps:0}/s offered: {result.LossPct:0.###} % lost, p99 {result.Percentile(0.99):0} us{(ok ? "" : " (over the limit)")}"));
            return ok;
        }

        for (double pps = start; !run.Stop.IsCancellationRequested; pps = Math.Min(max, pps * 2))
        {
            if (await StepAsync(pps).ConfigureAwait(false))
            {
                good = pps;
                if (pps >= max)
                {
                    run.Note($"no loss over {maxLoss} % up to --max-pps {max}: the limit is higher");
                    break;
                }
            }
            else
            {
                bad = pps;
                break;
            }
        }

        for (var i = 0; i < refine && bad > 0 && !run.Stop.IsCancellationRequested; i++)
        {
            var middle = Math.Round((good + bad) / 2);
            if (await StepAsync(middle).ConfigureAwait(false))
            {
                good = middle;
            }
            else
            {
                bad = middle;
            }
        }

        sweep.Series.ForEach(s => s.Points.Sort((p, q) => p.X.CompareTo(q.X)));
        run.Figure("ramp_max_pps", good, "datagrams/s");
        run.Figure("ramp_max_Mbit_per_s", good * (16 + payload) * 8 / 1e6, "Mbit/s");
        run.Figure("ramp_steps", steps, "steps");
        if (good == 0)
        {
            run.Note($"even --start-pps {start} lost more than {maxLoss} %");
        }
    }
}
