using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// One tunnel whose receiver stops reading must not freeze the sending edge: its control stream still answers and
/// its other tunnels still carry streams, while the stalled streams hold only their own windows in the relay.
/// </summary>
public sealed class StalledTunnelTests
{
    private const int StalledStreams = 12;

    private const int ConnectionWindow = 1024 * 1024;

    [Fact]
    public async Task StalledReceiver_LeavesTheSendersControlStreamAndOtherTunnelsFlowing()
    {
        // The relay's connection window is smaller than what the stalled streams together come to hold (each what its
        // receive window let in plus what waits towards the stalled receiver), so the sender's control stream survives
        // only if connection credit comes back as soon as bytes sit in a stream's buffer.
        await using var relay = await InProcessRelay.StartAsync(c =>
        {
            c.StreamReceiveWindow = 2 * 1024 * 1024;
            c.ConnectionReceiveWindow = ConnectionWindow;
        });
        await using var sender = await relay.ConnectEdgeAsync();
        await using var stalledReceiver = await relay.ConnectEdgeAsync(SmallWindows());
        await using var healthyReceiver = await relay.ConnectEdgeAsync();
        var stalledTunnel = Guid.NewGuid();
        var healthyTunnel = Guid.NewGuid();
        await TunnelPair.BindBothAsync(sender, stalledReceiver, stalledTunnel);
        await TunnelPair.BindBothAsync(sender, healthyReceiver, healthyTunnel);

        using var stop = new CancellationTokenSource();
        var written = new long[StalledStreams];
        for (var i = 0; i < StalledStreams; i++)
        {
            var stream = await sender.OpenTunnelStreamAsync(stalledTunnel, TestTimeouts.Token());
            var index = i;
            _ = PipeLoad.WriteUntilStoppedAsync(stream.Output, 64 * 1024, n => Interlocked.Add(ref written[index], n), stop.Token);
            _ = await stalledReceiver.AcceptTunnelStreamAsync(TestTimeouts.Token()); // accepted, never read
        }

        await Polling.UntilNoProgressAsync(() => written.Sum(), TestTimeouts.Default);
        var held = relay.Budget.Used;
        Assert.True(held > ConnectionWindow, $"the relay holds only {held} bytes: the scenario did not outgrow the connection window");

        await sender.ExpectPongAsync();
        var opened = await sender.OpenTunnelStreamAsync(healthyTunnel, TestTimeouts.Token());
        var accepted = await healthyReceiver.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var reading = TestPayload.ReadToEndAsync(accepted.Stream.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 5, 1024 * 1024);
        var received = await reading.WaitAsync(TestTimeouts.Default);
        Assert.Equal(1024 * 1024, received.Length);
        Assert.Equal(sent, received.Sha256);
        await stop.CancelAsync();
    }

    private static SimulatedEdgeOptions SmallWindows() => new()
    {
        Transport = new QuicTransportSettings { StreamReceiveWindow = 64 * 1024, ConnectionReceiveWindow = 256 * 1024 },
    };
}
