using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.NativeUdp;

/// <summary>The native UDP plane of the published native executable, observed from outside.</summary>
public sealed partial class PublishedBinaryNativeUdpTests
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    [Fact]
    public async Task PublishedBinary_NativePortTaken_KeepsServingQuicAndRest()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)occupant.LocalEndPoint!;

        await using var relay = await PublishedRelay.StartAsync("--udp-relay-addrs", taken.ToString());

        await relay.WaitForLogLineAsync(line => line.Contains("native UDP relay not started", StringComparison.Ordinal));
        await relay.WaitForLogLineAsync(line => line.Contains("Native-UDP relay not started: no listener could be bound", StringComparison.Ordinal));
        using (var health = await Http.GetAsync(new Uri($"http://{relay.ApiEndpoint}/health"), TestTimeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        await using var edge = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, TestTimeouts.Token());
        await edge.HelloAsync(2, "edge-test");
        var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());
        Assert.Equal("hello_ack", reply.Type);
        Assert.Equal(2u, reply.Root.GetProperty("protocol_version").GetUInt32());
        Assert.False(relay.HasExited, $"the relay exited; its log:\n{relay.Log}");
    }

    [Fact]
    public async Task PublishedBinary_PairsAndForwardsNativeUdp()
    {
        await using var relay = await PublishedRelay.StartAsync();
        var line = await relay.WaitForLogLineAsync(line => ListeningLine().IsMatch(line));
        var plane = IPEndPoint.Parse(ListeningLine().Match(line).Groups["addr"].Value);
        var tunnel = Guid.NewGuid();
        using var egress = new NativeUdpEdge("127.0.0.2", plane);
        using var ingress = new NativeUdpEdge("127.0.0.3", plane);

        Assert.False(await egress.RegisterAsync(tunnel, "egress"));
        Assert.True(await ingress.RegisterAsync(tunnel, "ingress"));
        var media = NativeUdpEdge.Media(tunnel, 40_000, seed: 11);
        egress.Send(media);
        Assert.Equal(media, await ingress.ReceiveAsync());
    }

    [GeneratedRegex(@"native UDP relay listening on (?<addr>\S+);")]
    private static partial Regex ListeningLine();
}
