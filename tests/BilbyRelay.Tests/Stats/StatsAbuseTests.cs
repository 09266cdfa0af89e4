using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.Tests.Common;
using Xunit;
using Xunit.Abstractions;

namespace BilbyRelay.Tests.Stats;

/// <summary>Slowloris and connection floods on the stats endpoint: the connection count stays at the cap and /health answers.</summary>
public sealed class StatsAbuseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SlowlorisFillingTheCap_HealthStillAnswers_AndTheOldestSlowRequestMakesRoom()
    {
        const int cap = 16;
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { MaxConnections = cap, HeaderTimeout = TimeSpan.FromMinutes(5) });
        var attackers = new List<RawHttpConnection>();
        try
        {
            for (int i = 0; i < cap; i++)
            {
                RawHttpConnection attacker = await server.ConnectRawAsync();
                attackers.Add(attacker);
                // Headers a byte at a time, never finished.
                await attacker.SendAsync("G");
                await attacker.SendAsync("E");
            }

            await Polling.UntilAsync(() => server.Server.ConnectionCount == cap, s_bound, () => $"{server.Server.ConnectionCount} open");

            // One keep-alive client: its first connection takes the slot of the oldest slow request, and being between
            // requests afterwards, it is never the one evicted.
            using HttpClient client = server.CreateClient();
            for (int round = 0; round < 3; round++)
            {
                using HttpResponseMessage response = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.True(server.Server.ConnectionCount <= cap);
            }

            Assert.True(await attackers[0].WaitForServerCloseAsync(s_bound), "the oldest slow request must make room");
            using HttpClient second = server.CreateClient();
            using (HttpResponseMessage response = await second.GetAsync("/health"))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.True(await attackers[1].WaitForServerCloseAsync(s_bound), "the next oldest makes room for the next client");
            Assert.Equal(cap, server.Server.ConnectionCount);
        }
        finally
        {
            foreach (RawHttpConnection attacker in attackers)
            {
                await attacker.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The figure in docs/reliability.md ("Abuse"): 10 000 connections opened and held (200 at a time in flight),
    /// half of them trickling a request head; /health is asked throughout. Prints the figures.
    /// </summary>
    [Fact]
    public async Task TenThousandConnectionAttempts_StayAtTheCap_AndHealthAnswersThroughout()
    {
        const int cap = 256;
        const int attempts = 10_000;
        await using StatsTestServer server = await StatsTestServer.StartAsync(o => o with { MaxConnections = cap });
        using HttpClient client = server.CreateClient();
        var held = new List<Socket>(attempts);
        var healthTimes = new List<double>();
        int maxSeen = 0;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        try
        {
            for (int wave = 0; wave < attempts / 200; wave++)
            {
                var connects = Enumerable.Range(0, 200).Select(async i =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(server.EndPoint);
                    if (i % 2 == 0)
                    {
                        await socket.SendAsync("GET /hea"u8.ToArray(), SocketFlags.None);
                    }

                    return socket;
                });
                held.AddRange(await Task.WhenAll(connects));
                maxSeen = Math.Max(maxSeen, server.Server.ConnectionCount);

                var asked = Stopwatch.StartNew();
                using HttpResponseMessage response = await client.GetAsync("/health");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                healthTimes.Add(asked.Elapsed.TotalMilliseconds);
            }

            maxSeen = Math.Max(maxSeen, server.Server.ConnectionCount);
            long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            healthTimes.Sort();
            output.WriteLine(
                $"attempts={attempts} in {clock.Elapsed.TotalSeconds:F1} s, max open on the server={maxSeen} (cap {cap}), " +
                $"/health p50={healthTimes[healthTimes.Count / 2]:F2} ms max={healthTimes[^1]:F2} ms, managed heap growth={heapGrowth / 1024} KiB " +
                $"(client sockets included)");
            Assert.True(maxSeen <= cap, $"saw {maxSeen} connections");
        }
        finally
        {
            foreach (Socket socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
