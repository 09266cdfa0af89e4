using System.Globalization;
using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerReportingTests
{
    [Fact]
    public async Task Health_SentRightAfterAuthentication()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        var health = await connection.ReceiveTypeAsync("health");
        var payload = health.GetProperty("payload");
        Assert.Equal("ok", payload.GetProperty("status").GetString());
        Assert.Equal("9.9.9-test", payload.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("public_quic_addr").ValueKind);
        Assert.Equal(["tcp", "udp"], payload.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.DoesNotContain(connection.Received, m => m.GetProperty("type").GetString() == "stats");
    }

    [Theory]
    [InlineData("""{"type":"auth_ok","timestamp":"2026-01-01T00:00:00Z","payload":{}}""", null)]
    [InlineData("""{"type":"register_ack","timestamp":"2026-01-01T00:00:00Z","payload":{"node_id":"node-42","node_secret":"sec-42"}}""", "reg-token")]
    public async Task Health_IsTheFirstFrameAfterAuthentication_BeforeQueuedEvents(string authAnswer, string? registrationToken)
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, registrationToken));
        harness.Events.Raise(EventSeverity.Info, EventCategory.Edge, "Edge connected from 192.0.2.1:50000");

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.ReceiveTypeAsync("auth");
        await connection.SendAsync(authAnswer);

        var first = await connection.ReceiveAsync();
        var second = await connection.ReceiveAsync();
        var third = await connection.ReceiveAsync();
        Assert.Equal("health", first.GetProperty("type").GetString());
        // Then the queue in order: the event from before the connection, then "Connected to manager".
        Assert.Equal("Edge connected from 192.0.2.1:50000", second.GetProperty("payload").GetProperty("message").GetString());
        Assert.Equal("Connected to manager", third.GetProperty("payload").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stats_DefaultIntervalDeliversAtLeastThreeIn3500Milliseconds()
    {
        var interval = new ManagerOptions { SoftwareVersion = "0" }.StatsInterval;
        Assert.Equal(TimeSpan.FromSeconds(1), interval);

        // The session's clock moves only when the test advances it, so the cadence is exact whatever the
        // machine's load: one report per interval, counted from the health report that starts the session.
        var time = new ManualTimeProvider();
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, statsInterval: interval), time: time);

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();
        var health = await connection.ReceiveTypeAsync("health");
        await Polling.UntilAsync(() => time.HasRunningTimer(interval), TestTimeouts.Default, () => "the session started no stats timer");

        var stats = new List<JsonElement>();
        for (int i = 0; i < 3; i++)
        {
            time.Advance(interval);
            stats.Add(await connection.ReceiveTypeAsync("stats"));
        }

        Assert.Equal(
            [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)],
            stats.Select(s => SentAt(s) - SentAt(health)));
        Assert.True(SentAt(stats[2]) - SentAt(health) <= TimeSpan.FromMilliseconds(3500));
        Assert.Equal(0, harness.Client.Counters.StatsSkipped);

        string[] fields =
        [
            "tunnels", "edges", "connected_edges", "active_tunnels", "total_tunnels", "total_bytes_ingress",
            "total_bytes_egress", "total_bytes_forwarded", "total_bandwidth_bps", "total_tcp_streams",
            "active_tcp_streams", "total_udp_datagrams", "peak_tunnels", "peak_edges", "connections_total", "uptime_secs",
            "udp_sessions", "udp_sessions_total", "udp_sessions_active",
        ];
        var payload = stats[0].GetProperty("payload");
        Assert.Equal(fields.Order(), payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(1234, payload.GetProperty("total_bytes_forwarded").GetInt64());
        Assert.Equal("edge-a", payload.GetProperty("edges")[0].GetProperty("edge_id").GetString());
        // Counted after each send returns: the third may be on the wire before it is counted.
        Assert.True(harness.Client.Counters.StatsSent >= 2);
    }

    private static DateTimeOffset SentAt(JsonElement message) =>
        DateTimeOffset.Parse(message.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
}
