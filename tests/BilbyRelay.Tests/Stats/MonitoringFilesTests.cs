using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BilbyRelay.Stats;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>
/// The shipped Grafana dashboard and Prometheus alert rules: promtool accepts the rules and their unit tests pass,
/// and both name only metrics the relay actually exports.
/// </summary>
public sealed partial class MonitoringFilesTests
{
    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    private static string AlertRules => Path.Combine(RepositoryRoot(), "deploy", "prometheus", "bilbyrelay-alerts.yml");

    private static string AlertTests => Path.Combine(RepositoryRoot(), "deploy", "prometheus", "tests", "bilbyrelay-alerts.test.yml");

    private static string Dashboard => Path.Combine(RepositoryRoot(), "deploy", "grafana", "bilbyrelay.json");

    [Fact]
    public async Task AlertRules_PassPromtoolCheckAndTheirUnitTests()
    {
        if (!Promtool.IsAvailable())
        {
            return;
        }

        (int checkExit, string checkOutput) = await Promtool.RunAsync(null, "check", "rules", AlertRules);
        (int testExit, string testOutput) = await Promtool.RunAsync(null, "test", "rules", AlertTests);

        Assert.True(checkExit == 0 && checkOutput.Contains("SUCCESS", StringComparison.Ordinal), $"promtool check rules (exit {checkExit}):\n{checkOutput}");
        Assert.True(testExit == 0 && testOutput.Contains("SUCCESS", StringComparison.Ordinal), $"promtool test rules (exit {testExit}):\n{testOutput}");
    }

    [Fact]
    public void AlertRules_CoverTheRequiredConditions_WithExportedMetricsOnly()
    {
        var rules = File.ReadAllText(AlertRules);

        foreach (var alert in new[] { "BilbyRelayDown", "BilbyRelayManagerDisconnected", "BilbyRelayDatagramDrops", "BilbyRelayMemoryNearBudget", "BilbyRelayPerIpCapHits" })
        {
            Assert.Contains("- alert: " + alert + "\n", rules, StringComparison.Ordinal);
        }

        AssertExported(rules);
    }

    [Fact]
    public void Dashboard_IsGrafanaJson_WithExportedMetricsOnly_AndCoversTheRelay()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var root = document.RootElement;
        Assert.Equal("bilbyrelay", root.GetProperty("uid").GetString());
        var expressions = new List<string>();
        var ids = new HashSet<int>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), "panel ids must be unique");
            var targets = panel.GetProperty("targets");
            Assert.True(targets.GetArrayLength() > 0, panel.GetProperty("title").GetString());
            expressions.AddRange(targets.EnumerateArray().Select(t => t.GetProperty("expr").GetString()!));
        }

        var all = string.Join("\n", expressions);
        AssertExported(all);
        foreach (var needed in new[]
        {
            "bilbycast_relay_bytes_ingress_total", "bilbycast_relay_tunnels_active", "bilbycast_relay_edges_connected",
            "bilbycast_relay_datagram_drops_total", "bilbycast_relay_quic_handshakes_completed_total", "bilbycast_relay_event_queue_depth",
            "bilbycast_relay_buffered_bytes", "bilbycast_relay_max_buffered_bytes", "bilbycast_relay_quic_loop_busy_seconds_total",
        })
        {
            Assert.Contains(needed, all, StringComparison.Ordinal);
        }

        Assert.Contains("sum by (reason) (rate(bilbycast_relay_datagram_drops_total", all, StringComparison.Ordinal);
    }

    /// <summary>Every bilbycast_relay_* name in <paramref name="text"/> is a family of /metrics (all optional families on).</summary>
    private static void AssertExported(string text)
    {
        var source = new FakeStatsSource
        {
            Manager = new ManagerLinkSnapshot(),
            EventLog = new EventLogSnapshot(),
        };
        var buffer = new ArrayBufferWriter<byte>();
        PrometheusTextWriter.Write(buffer, "1", source.GetMetrics());
        (IReadOnlyDictionary<string, string> families, _) = PrometheusExpositionChecker.Check(Encoding.UTF8.GetString(buffer.WrittenSpan), new HashSet<string>());

        var used = MetricName().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(families.ContainsKey(name), $"{name} is not exported by /metrics"));
    }

    [GeneratedRegex("bilbycast_relay_[a-z_]+")]
    private static partial Regex MetricName();
}
