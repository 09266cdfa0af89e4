using System.Globalization;
using System.Text.Json;

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

    [Fact]
    public async Task Stats_DefaultIntervalDeliversAtLeastThreeIn3500Milliseconds()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager, statsInterval: TimeSpan.FromSeconds(1)));

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        // The session starts its timers when it sends the first health report, so the client's own
        // envelope timestamps measure the cadence without the test's scheduling noise.
        var health = await connection.ReceiveTypeAsync("health");
        var first = await connection.ReceiveTypeAsync("stats");
        var second = await connection.ReceiveTypeAsync("stats");
        var third = await connection.ReceiveTypeAsync("stats");
        var window = SentAt(third) - SentAt(health);
        Assert.True(
            window <= TimeSpan.FromMilliseconds(3500),
            $"third stats {window} after the session started; sent at {SentAt(first):O}, {SentAt(second):O}, {SentAt(third):O}");
        Assert.Equal(0, harness.Client.Counters.StatsSkipped);

        string[] fields =
        [
            "tunnels", "edges", "connected_edges", "active_tunnels", "total_tunnels", "total_bytes_ingress",
            "total_bytes_egress", "total_bytes_forwarded", "total_bandwidth_bps", "total_tcp_streams",
            "active_tcp_streams", "total_udp_datagrams", "peak_tunnels", "peak_edges", "connections_total", "uptime_secs",
        ];
        var payload = first.GetProperty("payload");
        Assert.Equal(fields.Order(), payload.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(1234, payload.GetProperty("total_bytes_forwarded").GetInt64());
        Assert.Equal("edge-a", payload.GetProperty("edges")[0].GetProperty("edge_id").GetString());
        // Counted after each send returns: the third may be on the wire before it is counted.
        Assert.True(harness.Client.Counters.StatsSent >= 2);
    }

    private static DateTimeOffset SentAt(JsonElement message) =>
        DateTimeOffset.Parse(message.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
}
