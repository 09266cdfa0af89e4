using System.Net;
using System.Net.Sockets;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerResilienceTests
{
    [Fact]
    public async Task OversizedMessage_ConnectionDroppedAndReestablished()
    {
        await using var manager = await FakeManager.StartAsync();
        var options = ManagerClientHarness.Options(manager) with { MaxInboundMessageBytes = 64 * 1024 };
        await using var harness = new ManagerClientHarness(options);

        harness.Client.Start();
        var first = await manager.NextConnectionAsync();
        await first.AcceptAuthAsync();
        await first.SendAsync($$$"""{"type":"ping","payload":{"padding":"{{{new string('p', 100 * 1024)}}}"}}""");

        var second = await manager.NextConnectionAsync();
        await second.AcceptAuthAsync();
        var lost = await second.ReceiveTypeAsync("event", m => m.GetProperty("payload").GetProperty("message").GetString()!
            .StartsWith("Manager connection lost, reconnecting: ", StringComparison.Ordinal));
        Assert.Contains("exceeds 65536 bytes", lost.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagerStopsReadingPastStallTimeout_ConnectionReplaced()
    {
        await using var manager = await FakeManager.StartAsync();
        var options = ManagerClientHarness.Options(manager) with { SendStallTimeout = TimeSpan.FromMilliseconds(300) };
        await using var harness = new ManagerClientHarness(options, eventCapacity: 64);

        harness.Client.Start();
        var first = await manager.NextAuthenticatedConnectionAsync();

        // The first connection is never read again; big events fill its buffers until one send stalls.
        var details = new string('x', 64 * 1024);
        var nextConnection = manager.NextConnectionAsync();
        for (var i = 0; !nextConnection.IsCompleted; i++)
        {
            harness.Events.Raise(EventSeverity.Info, EventCategory.Edge, $"bulk {i}", null, details);
            if (i % 16 == 0)
            {
                await Task.WhenAny(nextConnection, Task.Delay(10));
            }
        }

        var second = await nextConnection;
        await second.AcceptAuthAsync();
        var lost = await harness.Log.WaitForEventIdAsync(5005);
        Assert.Contains("the manager stopped reading", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_RepeatsEveryHealthInterval()
    {
        await using var manager = await FakeManager.StartAsync();
        var options = ManagerClientHarness.Options(manager) with { HealthInterval = TimeSpan.FromMilliseconds(200) };
        await using var harness = new ManagerClientHarness(options);

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        await connection.ReceiveTypeAsync("health");
        await connection.ReceiveTypeAsync("health");
        await connection.ReceiveTypeAsync("health");
        // Counted after each send returns: the third may be on the wire before it is counted.
        Assert.True(harness.Client.Counters.HealthSent >= 2);
    }

    [Fact]
    public async Task RepeatedIdenticalAuthError_OneCriticalEvent()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var refused = await manager.NextConnectionAsync();
            await refused.ReceiveTypeAsync("auth");
            await refused.SendAsync("""{"type":"auth_error","message":"node disabled"}""");
        }

        var accepted = await manager.NextAuthenticatedConnectionAsync();

        var critical = accepted.Received.Count(m => m.GetProperty("type").GetString() == "event"
            && m.GetProperty("payload").GetProperty("message").GetString() == "Manager authentication failed: node disabled");
        Assert.Equal(1, critical);
        Assert.Equal(2, harness.Log.Entries.Count(e => e.EventId == 5003));
    }

    [Fact]
    public async Task Status_ReflectsDownRetryingAndStopped()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }

        var url = new Uri($"wss://127.0.0.1:{port}/ws");
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options([url], fingerprint: null));
        Assert.Equal(new ManagerStatus(false, 0, false, null), harness.Client.Status);

        harness.Client.Start();
        await harness.Log.WaitForEventIdAsync(5002, count: 2);
        var status = harness.Client.Status;
        Assert.False(status.Connected);
        Assert.True(status.Reconnecting);
        Assert.NotNull(status.DisconnectedSecs);
        Assert.False(string.IsNullOrEmpty(status.LastError), "a refused connection must leave its reason in the status");
        Assert.True(harness.Client.Counters.ConnectAttempts >= 2);

        await harness.Client.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.False(harness.Client.Status.Reconnecting);
    }
}
