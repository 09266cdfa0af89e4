using BilbyRelay.Core.Protocol;
using System.Text;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.3 and §1.5 over real QUIC: TCP tunnels as spliced bidirectional streams.</summary>
public sealed class TcpTunnelTests : IAsyncLifetime
{
    private const long BulkBytes = 32L * 1024 * 1024;

    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Stream_32MiBEachWayConcurrently_ByteExactWithFinBothWaysAndCounted()
    {
        var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await using var egress = pair.Egress;
        var ingressPort = pair.Ingress.LocalEndPoint.Port;

        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await egress.AcceptTunnelStreamAsync(TestTimeouts.Token());

        // The header the peer sees is the one the opener wrote.
        var sentHeader = Encoding.UTF8.GetString(EdgeSimulator.SimulatedEdge.TunnelStreamHeader(pair.TunnelId.ToString("D")));
        Assert.Equal(sentHeader, accepted.Header.ToString());

        // Each side writes then completes its output (FIN); each reads until it sees the other's FIN.
        var ingressWrite = Task.Run(() => TestPayload.WriteAsync(opened.Output, seed: 1, BulkBytes));
        var egressWrite = Task.Run(() => TestPayload.WriteAsync(accepted.Stream.Output, seed: 2, BulkBytes));
        var egressRead = Task.Run(() => TestPayload.ReadToEndAsync(accepted.Stream.Input));
        var ingressRead = Task.Run(() => TestPayload.ReadToEndAsync(opened.Input));
        await Task.WhenAll(ingressWrite, egressWrite, egressRead, ingressRead).WaitAsync(TestTimeouts.Default);

        Assert.Equal(BulkBytes, (await egressRead).Length);
        Assert.Equal(await ingressWrite, (await egressRead).Sha256);
        Assert.Equal(BulkBytes, (await ingressRead).Length);
        Assert.Equal(await egressWrite, (await ingressRead).Sha256);

        // The splice belongs to the opener's session, which finishes its splices before it reports
        // the edge gone: after that event the counters are final.
        await pair.Ingress.DisposeAsync();
        await _relay.Events.WaitForAsync($"Edge disconnected from 127.0.0.1:{ingressPort}");
        var stats = Assert.Single(_relay.Relay.ListTunnels()).Stats;
        Assert.Equal(BulkBytes, stats.BytesIngress);
        Assert.Equal(BulkBytes, stats.BytesEgress);
        Assert.Equal(1, stats.TcpStreamsTotal);
        Assert.Equal(0, stats.TcpStreamsActive);
        Assert.Equal(0, stats.UdpDatagramsTotal);
        Assert.Equal(0, _relay.Relay.Metrics.TcpStreamsActive);
    }

    [Fact]
    public async Task Stream_HalfClose_OtherDirectionKeepsFlowing()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());

        var request = TestPayload.Bytes(3, 1000);
        await opened.Output.WriteAsync(request, TestTimeouts.Token());
        await opened.Output.CompleteAsync();
        var received = await TestPayload.ReadToEndAsync(accepted.Stream.Input);
        Assert.Equal(TestPayload.Sha256(request), received.Sha256);

        // The opener finished sending; the reply still reaches it, then its FIN.
        var reply = await TestPayload.WriteAsync(accepted.Stream.Output, seed: 4, 256 * 1024);
        var replied = await TestPayload.ReadToEndAsync(opened.Input);
        Assert.Equal(reply, replied.Sha256);
    }

    [Fact]
    public async Task Stream_ResetByOneSide_ResetsTheOtherAndTunnelStaysUp()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        await opened.Output.WriteAsync(TestPayload.Bytes(6, 1000), TestTimeouts.Token());

        opened.Abort(0x77);

        // The reset is carried over as a reset, never as a clean end of stream.
        var failure = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () =>
        {
            while (true)
            {
                var result = await accepted.Stream.Input.ReadAsync(TestTimeouts.Token());
                accepted.Stream.Input.AdvanceTo(result.Buffer.End);
                Assert.False(result.IsCompleted, "a reset stream arrived as a clean FIN");
            }
        });
        Assert.Equal(QuicStreamAbortKind.Reset, failure.Kind);

        // Other streams of the tunnel are unaffected.
        var next = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var nextAccepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(nextAccepted.Stream);
        var read = TestPayload.ReadToEndAsync(next.Input);
        var sent = await TestPayload.WriteAsync(next.Output, seed: 7, 64 * 1024);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
    }

    [Fact]
    public async Task Stream_OpenedByEgress_ReachesIngress()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var opened = await pair.Egress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await pair.Ingress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        Assert.Equal(pair.TunnelId.ToString("D"), accepted.Header.TunnelId);

        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 5, 1024 * 1024);

        Assert.Equal(sent, (await read).Sha256);
        await echo;
    }

    [Fact]
    public async Task Streams_100ConcurrentInOneTunnel_EachByteExact()
    {
        const int Streams = 100;
        const long BytesPerStream = 256 * 1024;
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);

        // The egress edge echoes every stream; each opener checks its own bytes came back.
        var echoes = Task.Run(async () =>
        {
            var running = new List<Task>(Streams);
            for (int i = 0; i < Streams; i++)
            {
                var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
                running.Add(Task.Run(() => TestPayload.EchoAsync(accepted.Stream)));
            }

            await Task.WhenAll(running);
        });
        var transfers = Enumerable.Range(0, Streams).Select(i => Task.Run(async () =>
        {
            var stream = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
            var read = Task.Run(() => TestPayload.ReadToEndAsync(stream.Input));
            var sent = await TestPayload.WriteAsync(stream.Output, seed: 100 + i, BytesPerStream);
            var echoed = await read;
            return (Sent: sent, Echoed: echoed);
        })).ToArray();

        await Task.WhenAll(transfers).WaitAsync(TestTimeouts.Default);
        await echoes.WaitAsync(TestTimeouts.Default);
        foreach (var transfer in transfers)
        {
            var (sent, echoed) = await transfer;
            Assert.Equal(BytesPerStream, echoed.Length);
            Assert.Equal(sent, echoed.Sha256);
        }

        var stats = Assert.Single(_relay.Relay.ListTunnels()).Stats;
        Assert.Equal(Streams, stats.TcpStreamsTotal);
    }

    [Fact]
    public async Task Stream_HeaderWithFieldsTheRelayDoesNotKnow_ArrivesAtPeerByteForByte()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var header = Encoding.UTF8.GetBytes(
            $"{{\"tunnel_id\":\"{pair.TunnelId.ToString("D").ToUpperInvariant()}\",\"stream_type\":\"tcp\",\"future_field\":7}}");

        await pair.Ingress.OpenStreamWithHeaderAsync(header, TestTimeouts.Token());
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());

        Assert.Equal(Encoding.UTF8.GetString(header), accepted.Header.ToString());
    }

    [Fact]
    public async Task Stream_HeaderAtTheFrameCap_ReachesPeerAndBytesFlowAfterIt()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        var prefix = $"{{\"tunnel_id\":\"{pair.TunnelId}\",\"stream_type\":\"tcp\",\"padding\":\"";
        var header = Encoding.UTF8.GetBytes(prefix + new string('p', RelayProtocol.MaxFrameLength - prefix.Length - 2) + "\"}");
        Assert.Equal(RelayProtocol.MaxFrameLength, header.Length);

        var opened = await pair.Ingress.OpenStreamWithHeaderAsync(header, TestTimeouts.Token());
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 11, length: 256 * 1024);
        var accepted = await pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var received = await TestPayload.ReadToEndAsync(accepted.Stream.Input);

        Assert.Equal(header, Encoding.UTF8.GetBytes(accepted.Header.ToString()));
        Assert.Equal(256 * 1024, received.Length);
        Assert.Equal(sent, received.Sha256);
    }
}
