using System.Net;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Relay;

public class RelayServerTests
{
    private static RelayServer NewRelay(int notificationQueueCapacity = 4096) => new(new RelayOptions
    {
        Sha256 = TestSha256.Function,
        SoftwareVersion = "1.0.0",
        Time = new ManualTimeProvider(),
        NotificationQueueCapacity = notificationQueueCapacity,
    });

    [Fact]
    public async Task AcceptLoop_RunsConnectionsAndShutsThemDownOnCancel()
    {
        var relay = NewRelay();
        var listener = new FakeListener();
        using var shutdown = new CancellationTokenSource();
        var loop = relay.AcceptLoopAsync(listener, shutdown.Token);

        var connections = Enumerable.Range(1, 3)
            .Select(i => new FakeConnection(new IPEndPoint(IPAddress.Parse("10.9.0." + i), 5000)))
            .ToList();
        var clients = new List<EdgeClient>();
        foreach (var connection in connections)
        {
            listener.Enqueue(connection);
            var client = new EdgeClient(connection, Task.CompletedTask).OpenControl();
            await client.PingAsync();
            clients.Add(client);
        }

        Assert.Equal(3, relay.ConnectedEdges);
        await shutdown.CancelAsync();
        await loop.WaitAsync(TestTimeouts.Operation);

        Assert.All(connections, c => Assert.Equal(RelayErrorCodes.NoError, c.CloseInfo!.Value.Code));
        Assert.Equal(0, relay.ConnectedEdges);
    }

    [Fact]
    public async Task AcceptLoop_EndsWhenListenerStops()
    {
        var relay = NewRelay();
        var listener = new FakeListener();
        var connection = new FakeConnection(new IPEndPoint(IPAddress.Loopback, 1));
        listener.Enqueue(connection);
        var loop = relay.AcceptLoopAsync(listener, CancellationToken.None);
        await new EdgeClient(connection, Task.CompletedTask).OpenControl().PingAsync();

        listener.Stop();
        Assert.False(loop.IsCompleted);
        connection.Edge.Disconnect();
        await loop.WaitAsync(TestTimeouts.Operation);
        Assert.Equal(0, relay.ConnectedEdges);
    }

    [Fact]
    public async Task NotificationQueueOverflow_ClosesTheEdgeThatDoesNotRead()
    {
        var relay = NewRelay(notificationQueueCapacity: 2);
        var stalled = new FakeConnection(new IPEndPoint(IPAddress.Parse("10.8.0.1"), 1));
        var stalledRun = relay.RunConnectionAsync(stalled, CancellationToken.None);
        var stalledClient = new EdgeClient(stalled, stalledRun).OpenControl();

        // Each tunnel's other side is a different edge, so each of those gets one notification later.
        var peers = Enumerable.Range(0, 4).Select(i =>
        {
            var connection = new FakeConnection(new IPEndPoint(IPAddress.Parse("10.8.1." + i), 1));
            return new EdgeClient(connection, relay.RunConnectionAsync(connection, CancellationToken.None)).OpenControl();
        }).ToArray();

        // The stalled edge never grants stream credit, so its notifications cannot leave.
        stalled.StreamCreditGate = new TaskCompletionSource();
        var ids = Enumerable.Range(0, 4).Select(_ => TunnelId.FromGuid(Guid.NewGuid())).ToArray();
        foreach (var id in ids)
        {
            await stalledClient.BindAsync(id, "ingress");
        }

        // One notification is taken by the pump (blocked), two fill the queue, the fourth overflows.
        await peers[0].BindAsync(ids[0], "egress");
        await stalled.StreamOpenAttempted.Task.WaitAsync(TestTimeouts.Operation);
        for (int i = 1; i < 4; i++)
        {
            await peers[i].BindAsync(ids[i], "egress");
        }

        await stalledRun.WaitAsync(TestTimeouts.Operation);
        Assert.Equal(RelayErrorCodes.NotificationOverflow, stalled.CloseInfo!.Value.Code);

        // The other edges are unaffected and learn that their peer went away.
        foreach (var peer in peers)
        {
            await peer.PingAsync();
            Assert.Equal("peer disconnected", (await peer.ReadNotificationAsync()).GetProperty("reason").GetString());
            peer.Edge.Disconnect();
            await peer.RunTask.WaitAsync(TestTimeouts.Operation);
        }
    }

    [Fact]
    public void Options_InvalidValuesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RelayServer(new RelayOptions { Sha256 = TestSha256.Function, MaxConnectionsPerIp = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RelayServer(new RelayOptions { Sha256 = TestSha256.Function, MaxTunnelsPerConnection = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RelayServer(new RelayOptions { Sha256 = TestSha256.Function, EventQueueCapacity = 0 }));
    }

    [Fact]
    public void EdgeAddress_FormatsLikeUpstream()
    {
        Assert.Equal("1.2.3.4:5", EdgeAddress.Format(new IPEndPoint(IPAddress.Parse("1.2.3.4"), 5)));
        Assert.Equal("[::1]:5", EdgeAddress.Format(new IPEndPoint(IPAddress.IPv6Loopback, 5)));
        Assert.Equal("1.2.3.4:5", EdgeAddress.Format(new IPEndPoint(IPAddress.Parse("::ffff:1.2.3.4"), 5)));
        Assert.Equal("[fe80::1%2]:443", EdgeAddress.Format(new IPEndPoint(IPAddress.Parse("fe80::1%2"), 443)));
    }
}
