using System.Text.Json;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.LoadGen.Operator;
using BilbyRelay.LoadGen.Reporting;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

/// <summary>Runs a load generator command in this process, as <c>bilbyrelay-loadgen ARGS --json</c> would, and parses its output.</summary>
internal static class LoadGenRun
{
    public static async Task<(int Exit, ReportDocument Document)> JsonAsync(string command, IEnumerable<string> args, CancellationToken cancel = default)
    {
        var output = new StringWriter();
        var options = Options.Parse([.. args, "--json"]);
        var exit = await ScenarioCommand.RunAsync(ScenarioRegistry.All[command], options, output, handleSignals: false, cancel)
            .WaitAsync(TestTimeouts.Default * 4);
        var document = JsonSerializer.Deserialize(output.ToString(), ReportJson.Default.ReportDocument);
        Assert.NotNull(document);
        return (exit, document);
    }

    /// <summary>An in-process relay whose per-connection and per-address caps leave room for the scenario's edges.</summary>
    public static Task<InProcessRelay> RelayAsync() => InProcessRelay.StartAsync(c =>
    {
        c.MaxConnectionsPerIp = 10_000;
        c.MaxTunnelsPerConnection = 10_000;
        c.RequireBindAuth = false;
    });

    public static double Figure(this ReportDocument document, string name, string? subject = null)
    {
        var figure = document.FindFigure(name, subject);
        Assert.True(figure is not null, $"no figure {name} ({subject}); figures: {string.Join(", ", document.Figures.Select(f => $"{f.Name}/{f.Subject}"))}");
        return figure.Value;
    }
}
