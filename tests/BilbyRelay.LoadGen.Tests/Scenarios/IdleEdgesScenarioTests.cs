using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

public sealed class IdleEdgesScenarioTests
{
    [Fact]
    public async Task Idle_edges_each_get_a_pong_are_counted_while_connected_and_leave_afterwards()
    {
        const int edges = 6;
        await using var relay = await LoadGenRun.RelayAsync();
        var report = new RunReport();

        // The relay runs in this process, so the figure is this process's memory: only its presence is checked here.
        await LoadGen.Scenarios.IdleEdgesAsync(relay.Endpoint, report, Environment.ProcessId, edges);

        // All of them were connected at once (the scenario keeps every edge until it has read the memory).
        Assert.Equal(edges, relay.Relay.Metrics.PeakEdges);
        Assert.True(report.Figures.ContainsKey("relay_rss_per_idle_edge_KiB"));
        Assert.True(report.Figures["relay_rss_with_idle_edges_MiB"] > 0);
        await Polling.UntilAsync(() => relay.ConnectionsPerLoop.Sum() == 0, TestTimeouts.Default, () => $"{relay.ConnectionsPerLoop.Sum()} connections still open");
    }
}
