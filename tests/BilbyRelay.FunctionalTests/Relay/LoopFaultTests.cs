using System.Net;
using System.Text.Json;
using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Edges;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Hosting;
using RecordingLogSink = BilbyRelay.FunctionalTests.Management.RecordingLogSink;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>A QUIC loop that dies takes the relay out of service: health says so, the log says why, the process exits 1.</summary>
public sealed class LoopFaultTests
{
    [Fact]
    public async Task LoopFault_MakesHealthAnswer503NamingTheLoopAndTheException()
    {
        var sink = new RecordingLogSink();
        var log = new Logger(sink, "relay");
        using var lifetime = new RelayLifetime(log);
        var (_, components) = RelayComposition.Compose(LoopbackConfig(), log, lifetime);
        var started = new List<IRelayComponent>();
        try
        {
            foreach (var component in components)
            {
                await component.StartAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
                started.Add(component);
            }

            var edges = components.OfType<EdgeListenerComponent>().Single();
            var loop = edges.LocalEndPoints[0];
            using var client = new HttpClient
            {
                BaseAddress = new Uri($"http://{components.OfType<StatsComponent>().Single().Server.LocalEndPoints[0]}"),
                Timeout = TestTimeouts.Default,
            };
            using (var healthy = await client.GetAsync("/health"))
            {
                Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            }

            edges.InjectLoopFault(new InvalidOperationException("loop defect"));
            await StoppedAsync(lifetime);

            using var response = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unavailable", body.RootElement.GetProperty("status").GetString());
            var failure = body.RootElement.GetProperty("failure");
            Assert.Equal("quic", failure.GetProperty("component").GetString());
            Assert.Equal($"QUIC loop on {loop} failed: loop defect", failure.GetProperty("reason").GetString());

            var logged = Assert.Single(sink.Entries, e => e.EventId == 2902);
            Assert.Equal(LogLevel.Error, logged.Level);
            Assert.Contains($"QUIC loop on {loop} failed: loop defect", logged.Message, StringComparison.Ordinal);
            Assert.Equal("loop defect", logged.Exception?.Message);
        }
        finally
        {
            for (var i = started.Count - 1; i >= 0; i--)
            {
                await started[i].StopAsync(TestTimeouts.Token());
            }
        }
    }

    [Fact]
    public async Task LoopFault_UnderTheHost_StopsEveryComponentAndExitsOne()
    {
        var sink = new RecordingLogSink();
        var log = new Logger(sink, "relay");
        using var lifetime = new RelayLifetime(log);
        var components = RelayComposition.Build(LoopbackConfig(), log, lifetime);
        var host = new RelayHost(components, log, lifetime: lifetime);

        var running = host.RunAsync(CancellationToken.None);
        await sink.WaitForEventIdAsync(1004);
        components.OfType<EdgeListenerComponent>().Single().InjectLoopFault(new InvalidOperationException("loop defect"));
        var exitCode = await running.WaitAsync(TestTimeouts.Default);

        Assert.Equal(1, exitCode);
        var entries = sink.Entries;
        Assert.Contains(entries, e => e.EventId == 2902 && e.Level == LogLevel.Error);
        Assert.Contains(entries, e => e.EventId == 1012 && e.Message.Contains("QUIC loop on", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.EventId == 1008);
        Assert.Equal(components.Count, entries.Count(e => e.EventId == 1007));
        Assert.Contains(entries, e => e.EventId == 1010 && e.Message.Contains("exit code 1", StringComparison.Ordinal));
    }

    private static RelayConfig LoopbackConfig() => new()
    {
        QuicAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
        ApiAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
    };

    private static async Task StoppedAsync(RelayLifetime lifetime)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.StopRequested.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task.WaitAsync(TestTimeouts.Default);
        }
    }
}
