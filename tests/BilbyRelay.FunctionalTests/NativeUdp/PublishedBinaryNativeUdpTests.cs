using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

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

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task PublishedBinary_SmallSocketBuffers_AreReadBackAndWarnedAbout()
    {
        // A host that grants 64 KiB of socket buffer and no CAP_NET_ADMIN, through an LD_PRELOAD library.
        using var directory = new TempFilesDirectory();
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Infrastructure", "small-socket-buffers.c"));
        var library = CProgram.CompileSharedLibrary(source, directory.Path, "small-socket-buffers");
        var launcher = directory.WriteFile("launch", $"#!/bin/sh\nLD_PRELOAD={library} exec \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        await using var relay = await PublishedRelay.StartThroughAsync(launcher);
        var listening = ListeningLine().Match(await relay.WaitForLogLineAsync(line => ListeningLine().IsMatch(line)));
        var plane = listening.Groups["addr"].Value;

        // The kernel reports twice the 64 KiB it granted; the relay says so and how to raise it, and keeps serving.
        var warning = await relay.WaitForLogLineAsync(line => line.Contains("granted only", StringComparison.Ordinal));
        Assert.Contains($"native UDP relay on {plane}: the kernel granted only 131072 bytes", warning, StringComparison.Ordinal);
        Assert.Contains("net.core.rmem_max", warning, StringComparison.Ordinal);
        Assert.Contains("receive 131072 bytes, send 131072 bytes", listening.Value, StringComparison.Ordinal);
        var metrics = await Http.GetStringAsync(new Uri($"http://{relay.ApiEndpoint}/metrics"), TestTimeouts.Token());
        Assert.Contains($"bilbycast_relay_udp_socket_buffer_bytes{{addr=\"{plane}\",dir=\"receive\"}} 131072", metrics, StringComparison.Ordinal);
        Assert.False(relay.HasExited, $"the relay exited; its log:\n{relay.Log}");
    }

    [GeneratedRegex(@"native UDP relay listening on (?<addr>\S+);.*")]
    private static partial Regex ListeningLine();
}
