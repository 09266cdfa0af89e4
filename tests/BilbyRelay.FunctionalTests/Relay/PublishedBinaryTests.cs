using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// The core relay scenario against the published native executable (Native AOT, as shipped), run
/// as a child process: what the in-process tests prove must hold for the real binary too.
/// </summary>
public sealed class PublishedBinaryTests
{
    private const long StreamBytes = 4L * 1024 * 1024;

    [Fact]
    public async Task PublishedBinary_CoreScenario_PairsForwardsTearsDownAndExitsCleanlyOnSigterm()
    {
        await using var relay = await PublishedRelay.StartAsync();
        var pair = await TunnelPair.BindAsync(relay.Endpoint, "tcp");
        try
        {
            // TCP: 4 MiB each way concurrently, byte-exact, FIN both ways, header unchanged.
            var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
            var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
            Assert.Equal(pair.TunnelId.ToString("D"), accepted.Header.TunnelId);
            Assert.Equal("tcp", accepted.Header.GetString("stream_type"));
            var ingressWrite = Task.Run(() => TestPayload.WriteAsync(opened.Output, seed: 60, StreamBytes));
            var egressWrite = Task.Run(() => TestPayload.WriteAsync(accepted.Stream.Output, seed: 61, StreamBytes));
            var egressRead = Task.Run(() => TestPayload.ReadToEndAsync(accepted.Stream.Input));
            var ingressRead = Task.Run(() => TestPayload.ReadToEndAsync(opened.Input));
            await Task.WhenAll(ingressWrite, egressWrite, egressRead, ingressRead).WaitAsync(TestTimeouts.Default);
            Assert.Equal(StreamBytes, (await egressRead).Length);
            Assert.Equal(await ingressWrite, (await egressRead).Sha256);
            Assert.Equal(StreamBytes, (await ingressRead).Length);
            Assert.Equal(await egressWrite, (await ingressRead).Sha256);

            // Datagrams both ways, whole and unchanged (prefix included).
            var fromIngress = Datagram(pair.TunnelId, TestPayload.Bytes(62, 1000));
            var fromEgress = Datagram(pair.TunnelId, TestPayload.Bytes(63, 1000));
            Assert.True(pair.Ingress.SendRawDatagram(fromIngress));
            Assert.Equal(fromIngress, await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token()));
            Assert.True(pair.Egress.SendRawDatagram(fromEgress));
            Assert.Equal(fromEgress, await pair.Ingress.Datagrams.ReadAsync(TestTimeouts.Token()));

            // Unbind: the peer hears it on a notification stream.
            await pair.Ingress.UnbindAsync(pair.TunnelId);
            await pair.Egress.ExpectNotificationAsync("tunnel_down", pair.TunnelId, "peer unbound");
            await pair.Ingress.ExpectPongAsync();
        }
        finally
        {
            await pair.DisposeAsync();
        }

        var exitCode = await relay.TerminateAsync();
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; log:\n{relay.Log}");
        Assert.Contains("Relay stopped (exit code 0)", relay.Log, StringComparison.Ordinal);
    }

    private static byte[] Datagram(Guid tunnelId, byte[] payload)
    {
        var datagram = new byte[16 + payload.Length];
        Assert.True(tunnelId.TryWriteBytes(datagram, bigEndian: true, out _));
        payload.CopyTo(datagram, 16);
        return datagram;
    }
}
