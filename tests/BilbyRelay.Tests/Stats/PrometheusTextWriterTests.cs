using System.Buffers;
using System.Text;
using BilbyRelay.Stats;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>The <c>/metrics</c> exposition: family set, format and promtool's verdict.</summary>
public sealed class PrometheusTextWriterTests
{
    // Gauges that keep upstream's names for dashboards although promtool wants _total only on counters.
    private static readonly HashSet<string> s_gaugesNamedTotal = ["bilbycast_relay_tunnels_total", "bilbycast_relay_udp_sessions_total"];

    private static readonly Dictionary<string, string> s_expectedFamilies = new()
    {
        ["bilbycast_relay_info"] = "gauge",
        ["bilbycast_relay_uptime_seconds"] = "gauge",
        ["bilbycast_relay_edges_connected"] = "gauge",
        ["bilbycast_relay_tunnels_total"] = "gauge",
        ["bilbycast_relay_tunnels_active"] = "gauge",
        ["bilbycast_relay_bytes_forwarded_total"] = "counter",
        ["bilbycast_relay_bytes_ingress_total"] = "counter",
        ["bilbycast_relay_bytes_egress_total"] = "counter",
        ["bilbycast_relay_tcp_streams_total"] = "counter",
        ["bilbycast_relay_tcp_streams_active"] = "gauge",
        ["bilbycast_relay_udp_datagrams_total"] = "counter",
        ["bilbycast_relay_connections_total"] = "counter",
        ["bilbycast_relay_peak_tunnels"] = "gauge",
        ["bilbycast_relay_peak_edges"] = "gauge",
        ["bilbycast_relay_connections_rejected_total"] = "counter",
        ["bilbycast_relay_datagram_drops_total"] = "counter",
        ["bilbycast_relay_stream_refusals_total"] = "counter",
        ["bilbycast_relay_event_queue_depth"] = "gauge",
        ["bilbycast_relay_events_dropped_total"] = "counter",
        ["bilbycast_relay_buffered_bytes"] = "gauge",
        ["bilbycast_relay_max_buffered_bytes"] = "gauge",
        ["bilbycast_relay_gc_heap_bytes"] = "gauge",
        ["bilbycast_relay_udp_sessions_total"] = "gauge",
        ["bilbycast_relay_udp_sessions_active"] = "gauge",
        ["bilbycast_relay_udp_bytes_forwarded_total"] = "counter",
        ["bilbycast_relay_udp_datagrams_forwarded_total"] = "counter",
        ["bilbycast_relay_udp_bytes_received_total"] = "counter",
        ["bilbycast_relay_udp_dropped_total"] = "counter",
        ["bilbycast_relay_udp_register_rejected_total"] = "counter",
        ["bilbycast_relay_udp_registers_total"] = "counter",
        ["bilbycast_relay_udp_sessions_reaped_total"] = "counter",
        ["bilbycast_relay_udp_socket_buffer_bytes"] = "gauge",
        ["bilbycast_relay_quic_packets_received_total"] = "counter",
        ["bilbycast_relay_quic_packets_sent_total"] = "counter",
        ["bilbycast_relay_quic_bytes_received_total"] = "counter",
        ["bilbycast_relay_quic_bytes_sent_total"] = "counter",
        ["bilbycast_relay_quic_receive_errors_total"] = "counter",
        ["bilbycast_relay_quic_receive_drops_total"] = "counter",
        ["bilbycast_relay_quic_send_drops_total"] = "counter",
        ["bilbycast_relay_quic_send_waits_total"] = "counter",
        ["bilbycast_relay_quic_loop_busy_seconds_total"] = "counter",
        ["bilbycast_relay_quic_handshakes_completed_total"] = "counter",
        ["bilbycast_relay_quic_handshakes_failed_total"] = "counter",
        ["bilbycast_relay_quic_handshakes_retried_total"] = "counter",
        ["bilbycast_relay_quic_half_open_connections"] = "gauge",
        ["bilbycast_relay_quic_handshakes_refused_total"] = "counter",
    };

    private static readonly Dictionary<string, string> s_managerFamilies = new()
    {
        ["bilbycast_relay_manager_connected"] = "gauge",
        ["bilbycast_relay_manager_disconnected_seconds"] = "gauge",
    };

    private static readonly Dictionary<string, string> s_eventLogFamilies = new()
    {
        ["bilbycast_relay_event_log_queue_depth"] = "gauge",
        ["bilbycast_relay_event_log_written_total"] = "counter",
        ["bilbycast_relay_event_log_dropped_total"] = "counter",
        ["bilbycast_relay_event_log_write_errors_total"] = "counter",
    };

    private static FakeStatsSource WithManager(bool connected, long disconnectedSecs) =>
        new() { Manager = new ManagerLinkSnapshot { Connected = connected, DisconnectedSecs = disconnectedSecs, Reconnecting = !connected } };

    private static EventLogSnapshot SomeEventLog() => new() { QueueDepth = 3, WrittenTotal = 40, DroppedTotal = 5, WriteErrorsTotal = 2 };

    [Fact]
    public void Write_WithAnEventLogConfigured_AddsTheEventLogFamilies()
    {
        string text = Render("1.2.3", new FakeStatsSource { EventLog = SomeEventLog() }.GetMetrics());

        (IReadOnlyDictionary<string, string> families, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);

        Assert.Empty(problems);
        Assert.Equal(s_expectedFamilies.Concat(s_eventLogFamilies).OrderBy(f => f.Key), families.OrderBy(f => f.Key));
        string[] lines = text.Split('\n');
        Assert.Contains("bilbycast_relay_event_log_queue_depth 3", lines);
        Assert.Contains("bilbycast_relay_event_log_written_total 40", lines);
        Assert.Contains("bilbycast_relay_event_log_dropped_total 5", lines);
        Assert.Contains("bilbycast_relay_event_log_write_errors_total 2", lines);
    }

    [Fact]
    public void Write_EmitsEveryFamilyWithHelpTypeAndValidSamples()
    {
        string text = Render("1.2.3", new FakeStatsSource().GetMetrics());

        (IReadOnlyDictionary<string, string> families, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);

        Assert.Empty(problems);
        Assert.Equal(s_expectedFamilies.OrderBy(f => f.Key), families.OrderBy(f => f.Key));
    }

    [Fact]
    public void Write_WithAManagerConfigured_AddsTheManagerFamilies()
    {
        string text = Render("1.2.3", WithManager(connected: false, disconnectedSecs: 17).GetMetrics());

        (IReadOnlyDictionary<string, string> families, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);

        Assert.Empty(problems);
        Assert.Equal(s_expectedFamilies.Concat(s_managerFamilies).OrderBy(f => f.Key), families.OrderBy(f => f.Key));
        string[] lines = text.Split('\n');
        Assert.Contains("bilbycast_relay_manager_connected 0", lines);
        Assert.Contains("bilbycast_relay_manager_disconnected_seconds 17", lines);
    }

    [Fact]
    public void Write_ManagerConnected_IsOneWithZeroSecondsDisconnected()
    {
        string[] lines = Render("1.2.3", WithManager(connected: true, disconnectedSecs: 0).GetMetrics()).Split('\n');

        Assert.Contains("bilbycast_relay_manager_connected 1", lines);
        Assert.Contains("bilbycast_relay_manager_disconnected_seconds 0", lines);
    }

    [Fact]
    public void Write_EmitsTheSnapshotValues()
    {
        string text = Render("1.2.3", new FakeStatsSource().GetMetrics());

        string[] lines = text.Split('\n');
        Assert.Contains("bilbycast_relay_info{version=\"1.2.3\"} 1", lines);
        Assert.Contains("bilbycast_relay_uptime_seconds 42", lines);
        Assert.Contains("bilbycast_relay_edges_connected 2", lines);
        Assert.Contains("bilbycast_relay_tunnels_total 2", lines);
        Assert.Contains("bilbycast_relay_tunnels_active 1", lines);
        Assert.Contains("bilbycast_relay_bytes_forwarded_total 3000", lines);
        Assert.Contains("bilbycast_relay_bytes_ingress_total 1000", lines);
        Assert.Contains("bilbycast_relay_bytes_egress_total 2000", lines);
        Assert.Contains("bilbycast_relay_tcp_streams_total 3", lines);
        Assert.Contains("bilbycast_relay_tcp_streams_active 1", lines);
        Assert.Contains("bilbycast_relay_udp_datagrams_total 7", lines);
        Assert.Contains("bilbycast_relay_connections_total 9", lines);
        Assert.Contains("bilbycast_relay_peak_tunnels 4", lines);
        Assert.Contains("bilbycast_relay_peak_edges 5", lines);
        Assert.Contains("bilbycast_relay_connections_rejected_total 14", lines);
        Assert.Contains("bilbycast_relay_datagram_drops_total{reason=\"no_peer\"} 11", lines);
        Assert.Contains("bilbycast_relay_datagram_drops_total{reason=\"queue_full\"} 0", lines);
        Assert.Contains("bilbycast_relay_stream_refusals_total{reason=\"bad_header\"} 6", lines);
        Assert.Contains("bilbycast_relay_stream_refusals_total{reason=\"unknown_tunnel\"} 0", lines);
        Assert.Contains("bilbycast_relay_event_queue_depth 12", lines);
        Assert.Contains("bilbycast_relay_events_dropped_total 13", lines);
    }

    [Fact]
    public void Write_EmitsEveryLoopCounterUnderItsLoopLabel()
    {
        string text = Render("1.2.3", new FakeStatsSource().GetMetrics());

        string[] lines = text.Split('\n');
        Assert.Contains("bilbycast_relay_quic_packets_received_total{loop=\"0.0.0.0:4433\"} 21", lines);
        Assert.Contains("bilbycast_relay_quic_packets_sent_total{loop=\"0.0.0.0:4433\"} 22", lines);
        Assert.Contains("bilbycast_relay_quic_bytes_received_total{loop=\"0.0.0.0:4433\"} 23", lines);
        Assert.Contains("bilbycast_relay_quic_bytes_sent_total{loop=\"0.0.0.0:4433\"} 24", lines);
        Assert.Contains("bilbycast_relay_quic_receive_errors_total{loop=\"0.0.0.0:4433\"} 25", lines);
        Assert.Contains("bilbycast_relay_quic_receive_drops_total{loop=\"0.0.0.0:4433\"} 26", lines);
        Assert.Contains("bilbycast_relay_quic_send_drops_total{loop=\"0.0.0.0:4433\"} 27", lines);
        Assert.Contains("bilbycast_relay_quic_loop_busy_seconds_total{loop=\"0.0.0.0:4433\"} 1.500000", lines);
        Assert.Contains("bilbycast_relay_quic_handshakes_completed_total{loop=\"0.0.0.0:4433\"} 28", lines);
        Assert.Contains("bilbycast_relay_quic_handshakes_failed_total{loop=\"0.0.0.0:4433\"} 29", lines);

        // Every loop has a series in every family, zeros included; busy time is fixed-point, never in exponent form.
        Assert.Contains("bilbycast_relay_quic_loop_busy_seconds_total{loop=\"[::]:4433\"} 0.000002", lines);
        Assert.Contains("bilbycast_relay_quic_send_drops_total{loop=\"[::]:4433\"} 0", lines);
    }

    [Fact]
    public void Write_EscapesLabelValues()
    {
        string text = Render("v\"1\\\n", new FakeStatsSource().GetMetrics());

        Assert.Contains("bilbycast_relay_info{version=\"v\\\"1\\\\\\n\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("bilbycast_relay_datagram_drops_total{reason=\"odd \\\"label\\\"\\\\\\n\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ReasonFamilyWithoutReasons_StillPassesTheFormatCheck()
    {
        string text = Render("1", new MetricsSnapshot());

        (IReadOnlyDictionary<string, string> families, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);

        Assert.Empty(problems);
        Assert.Equal("counter", families["bilbycast_relay_datagram_drops_total"]);
        Assert.DoesNotContain("bilbycast_relay_datagram_drops_total{", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a_total 1\n", "sample outside its family")]
    [InlineData("# HELP a x\n# TYPE a counter\na 1\n", "does not end in _total")]
    [InlineData("# HELP a_total x\n# TYPE a_total gauge\na_total 1\n", "gauge a_total ends in _total")]
    [InlineData("# HELP a x\n# TYPE a gauge\na{l=\"unterminated} 1\n", "malformed sample")]
    [InlineData("# HELP a x\n# TYPE a gauge\na 1", "end with a line feed")]
    [InlineData("# HELP a x\n# TYPE a gauge\n# HELP a x\n# TYPE a gauge\n", "appears twice")]
    public void Checker_FlagsBrokenExpositions(string text, string expectedProblem)
    {
        (_, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);

        Assert.Contains(problems, p => p.Contains(expectedProblem, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_LargeCounters_AreWrittenInFull()
    {
        var metrics = new MetricsSnapshot { BytesForwardedTotal = long.MaxValue };

        string text = Render("1", metrics);

        Assert.Contains($"bilbycast_relay_bytes_forwarded_total {long.MaxValue}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_FlagsOnlyTheUpstreamGaugesNamedTotal()
    {
        // With a manager and an event log, so the optional families are checked too.
        var source = WithManager(connected: false, disconnectedSecs: 17);
        source.EventLog = SomeEventLog();
        string text = Render("1.2.3", source.GetMetrics());
        if (!Promtool.IsAvailable())
        {
            // Outside CI without promtool: the format is still checked, by our own rules.
            (_, IReadOnlyList<string> problems) = PrometheusExpositionChecker.Check(text, s_gaugesNamedTotal);
            Assert.Empty(problems);
            return;
        }

        (int exitCode, string output) = await Promtool.RunAsync(text, "check", "metrics");

        string[] findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] expected = [.. s_gaugesNamedTotal.Order().Select(static name => name + " non-counter metrics should not have \"_total\" suffix")];
        Assert.True(
            findings.Order().SequenceEqual(expected),
            $"promtool (exit {exitCode}) must flag exactly the upstream gauge names {string.Join(", ", s_gaugesNamedTotal)}; it said:\n{output}");
    }

    private static string Render(string version, MetricsSnapshot metrics)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PrometheusTextWriter.Write(buffer, version, metrics);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
