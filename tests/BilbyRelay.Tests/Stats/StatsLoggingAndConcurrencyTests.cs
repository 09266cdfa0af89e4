using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Stats;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>Log events with their stable ids, and many clients at once.</summary>
public sealed class StatsLoggingAndConcurrencyTests
{
    [Fact]
    public async Task Server_LogsListeningDeleteAndUnauthorizedWithStableIds()
    {
        var sink = new RecordingLogSink { MinimumLevel = LogLevel.Debug };
        var options = new StatsServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], ApiToken = StatsTestServer.Token };
        var server = new StatsServer(options, new FakeStatsSource(), new Logger(sink, "stats"));
        await server.StartAsync(CancellationToken.None);
        using (var client = new HttpClient { BaseAddress = new Uri($"http://{server.LocalEndPoints[0]}/") })
        {
            using HttpResponseMessage unauthorized = await client.GetAsync("/metrics");
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tunnels/{FakeStatsSource.ActiveTunnelId}");
            delete.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", StatsTestServer.Token);
            using HttpResponseMessage deleted = await client.SendAsync(delete);
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await server.DisposeAsync();

        LogEntry[] entries = [.. sink.Entries];
        Assert.Contains(entries, e => e.EventId == 4000 && e.Level == LogLevel.Information && e.Message.Contains(server.LocalEndPoints[0].ToString(), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 4005 && e.EventName == "Unauthorized");
        Assert.Contains(entries, e => e.EventId == 4006 && e.Message.Contains(FakeStatsSource.ActiveTunnelId.ToString(), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 4001);
        Assert.All(entries, e => Assert.Equal("stats", e.Category));
        Assert.DoesNotContain(entries, e => e.Message.Contains(StatsTestServer.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectionCap_IsLoggedOnceWhileRejectionsBurst()
    {
        var sink = new RecordingLogSink();
        var options = new StatsServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)], MaxConnections = 1 };
        await using var server = new StatsServer(options, new FakeStatsSource(), new Logger(sink, "stats"));
        await server.StartAsync(CancellationToken.None);
        await using RawHttpConnection holder = await RawHttpConnection.ConnectAsync(server.LocalEndPoints[0]);
        await holder.SendAsync("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, (await holder.ReadResponseAsync()).StatusCode);

        for (int i = 0; i < 3; i++)
        {
            await using RawHttpConnection rejected = await RawHttpConnection.ConnectAsync(server.LocalEndPoints[0]);
            Assert.Equal(503, (await rejected.ReadResponseAsync()).StatusCode);
        }

        LogEntry warning = Assert.Single(sink.Entries, e => e.EventId == 4002);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyConcurrentClients_AreAllServed()
    {
        await using StatsTestServer server = await StatsTestServer.StartAsync();
        const int clients = 32;
        const int requestsEach = 20;

        async Task<int> RunClientAsync()
        {
            await using RawHttpConnection connection = await server.ConnectRawAsync();
            int ok = 0;
            for (int i = 0; i < requestsEach; i++)
            {
                await connection.SendAsync(i % 2 == 0 ? "GET /health HTTP/1.1\r\n\r\n" : "GET /metrics HTTP/1.1\r\n\r\n");
                ok += (await connection.ReadResponseAsync()).StatusCode == 200 ? 1 : 0;
            }

            return ok;
        }

        int[] results = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => RunClientAsync()));

        Assert.Equal(clients * requestsEach, results.Sum());
    }
}
