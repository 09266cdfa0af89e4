using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Splicing;

public class StreamSplicerTests
{
    private static async Task<(RelayHarness Relay, EdgeClient Ingress, EdgeClient Egress, TunnelId Id)> PairAsync(PipeOptions? pipeOptions = null)
    {
        var relay = new RelayHarness();
        var ingress = relay.ConnectWithControl("192.0.2.1", pipeOptions);
        var egress = relay.ConnectWithControl("192.0.2.2", pipeOptions);
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await ingress.BindAsync(id, "ingress", "tcp");
        await egress.BindAsync(id, "egress", "tcp");
        return (relay, ingress, egress, id);
    }

    /// <summary>Opens a data stream from <paramref name="opener"/> and returns both ends as the edges see them.</summary>
    private static async Task<(FakeStream Opened, FakeStream Arrived)> OpenDataStreamAsync(EdgeClient opener, EdgeClient peer, TunnelId id)
    {
        var opened = opener.Edge.OpenBidirectionalStream();
        await EdgeClient.SendFrameAsync(opened, EdgeClient.HeaderJson(id));
        var arrived = await peer.Edge.AcceptBidirectionalStreamAsync();
        var reader = new FrameReader(arrived.Input);
        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default).AsTask().WaitAsync(TestTimeouts.Operation));
        Assert.Equal(EdgeClient.HeaderJson(id), Encoding.UTF8.GetString(reader.Payload.ToArray()));
        reader.ReleaseFrame();
        return (opened, arrived);
    }

    private static async Task<byte[]> ReadToEndAsync(PipeReader reader)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Operation);
            foreach (var segment in result.Buffer)
            {
                buffer.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return buffer.WrittenSpan.ToArray();
            }
        }
    }

    private static async Task WriteAllAsync(PipeWriter writer, byte[] data, int chunk)
    {
        for (int offset = 0; offset < data.Length; offset += chunk)
        {
            await writer.WriteAsync(data.AsMemory(offset, Math.Min(chunk, data.Length - offset))).AsTask().WaitAsync(TestTimeouts.Operation);
        }

        await writer.CompleteAsync();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task AssertAbortedAsync(FakeStream stream, long expectedCode)
    {
        var ex = await Assert.ThrowsAsync<FakeStreamAbortedException>(async () =>
        {
            while (true)
            {
                var result = await stream.Input.ReadAsync().AsTask().WaitAsync(TestTimeouts.Operation);
                stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        });
        Assert.Equal(expectedCode, ex.ErrorCode);
    }

    [Fact]
    public async Task Splice_BytesBothWaysByteExactWithFinBothWays()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        var (opened, arrived) = await OpenDataStreamAsync(ingress, egress, id);
        byte[] up = RandomBytes(3 * 1024 * 1024 + 17, 1);
        byte[] down = RandomBytes(512 * 1024 + 3, 2);

        var upRead = ReadToEndAsync(arrived.Input);
        var downRead = ReadToEndAsync(opened.Input);
        await Task.WhenAll(WriteAllAsync(opened.Output, up, 7000), WriteAllAsync(arrived.Output, down, 1500));

        Assert.Equal(up, await upRead);
        Assert.Equal(down, await downRead);
        Assert.Equal(1, tunnel.TcpStreamsTotal);

        // The splice finishes (and its counters settle) before the session ends.
        ingress.Edge.Disconnect();
        egress.Edge.Disconnect();
        await Task.WhenAll(ingress.RunTask, egress.RunTask).WaitAsync(TestTimeouts.Operation);
        Assert.Equal(up.Length, tunnel.BytesIngress);
        Assert.Equal(down.Length, tunnel.BytesEgress);
        Assert.Equal(0, tunnel.TcpStreamsActive);
        Assert.Equal(1, relay.Relay.Metrics.TcpStreamsTotal);
        Assert.Equal(0, relay.Relay.Metrics.TcpStreamsActive);
        Assert.Equal(up.Length + down.Length, relay.Relay.GetStats().TotalBytesForwarded);
        Assert.Null(opened.Peer.AbortCode);
        Assert.Null(arrived.Peer.AbortCode);
    }

    [Fact]
    public async Task Splice_FromEgressSideCountsAsEgressBytes()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        var (opened, arrived) = await OpenDataStreamAsync(egress, ingress, id);
        var read = ReadToEndAsync(arrived.Input);
        await WriteAllAsync(opened.Output, RandomBytes(1000, 3), 1000);
        Assert.Equal(1000, (await read).Length);
        await WriteAllAsync(arrived.Output, RandomBytes(10, 4), 10);
        Assert.Equal(10, (await ReadToEndAsync(opened.Input)).Length);

        ingress.Edge.Disconnect();
        egress.Edge.Disconnect();
        await Task.WhenAll(ingress.RunTask, egress.RunTask).WaitAsync(TestTimeouts.Operation);
        Assert.Equal(1000, tunnel.BytesEgress);
        Assert.Equal(10, tunnel.BytesIngress);
    }

    [Fact]
    public async Task Splice_HalfCloseKeepsTheOtherDirectionOpen()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var (opened, arrived) = await OpenDataStreamAsync(ingress, egress, id);

        await WriteAllAsync(opened.Output, Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"), 100);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n", Encoding.ASCII.GetString(await ReadToEndAsync(arrived.Input)));

        // The request side has finished; the response still flows the other way.
        await WriteAllAsync(arrived.Output, Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\n\r\nbody"), 5);
        Assert.Equal("HTTP/1.0 200 OK\r\n\r\nbody", Encoding.ASCII.GetString(await ReadToEndAsync(opened.Input)));
    }

    [Fact]
    public async Task Splice_HundredConcurrentStreamsStayIsolated()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        const int streams = 100;

        // The egress edge echoes every stream reversed, identified by its first 4 bytes.
        var echo = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < streams; i++)
            {
                var arrived = await egress.Edge.AcceptBidirectionalStreamAsync();
                echoes.Add(Task.Run(async () =>
                {
                    var reader = new FrameReader(arrived.Input);
                    Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
                    reader.ReleaseFrame();
                    byte[] body = await ReadToEndAsync(arrived.Input);
                    Array.Reverse(body);
                    await WriteAllAsync(arrived.Output, body, 4096);
                }));
            }

            await Task.WhenAll(echoes);
        });

        var clients = Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
        {
            var opened = ingress.Edge.OpenBidirectionalStream();
            await EdgeClient.SendFrameAsync(opened, EdgeClient.HeaderJson(id));
            byte[] body = RandomBytes(20_000 + i, 100 + i);
            BinaryPrimitives.WriteInt32BigEndian(body, i);
            var response = ReadToEndAsync(opened.Input);
            await WriteAllAsync(opened.Output, body, 3000);
            byte[] expected = (byte[])body.Clone();
            Array.Reverse(expected);
            Assert.Equal(expected, await response);
        })).ToArray();

        await Task.WhenAll(clients).WaitAsync(TestTimeouts.Operation);
        await echo.WaitAsync(TestTimeouts.Operation);
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        Assert.Equal(streams, tunnel.TcpStreamsTotal);
    }

    [Fact]
    public async Task Reset_FromOpenerResetsPeerStream()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var (opened, arrived) = await OpenDataStreamAsync(ingress, egress, id);
        await opened.Output.WriteAsync(new byte[] { 1, 2, 3 });

        opened.Abort(0x77);

        await AssertAbortedAsync(arrived, RelayErrorCodes.StreamPeerAborted);
        await Assert.ThrowsAsync<FakeStreamAbortedException>(async () => await arrived.Output.WriteAsync(new byte[] { 9 }));
        Assert.False(ingress.Connection.IsClosed);
        Assert.False(egress.Connection.IsClosed);
        await ingress.PingAsync();
    }

    [Fact]
    public async Task Reset_FromPeerResetsOpenerStream()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var (opened, arrived) = await OpenDataStreamAsync(ingress, egress, id);

        arrived.Abort(0x78);

        await AssertAbortedAsync(opened, RelayErrorCodes.StreamPeerAborted);
        await egress.PingAsync();
    }

    [Fact]
    public async Task PeerConnectionLoss_ResetsOpenerStream()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var (opened, _) = await OpenDataStreamAsync(ingress, egress, id);

        egress.Edge.Disconnect();

        await AssertAbortedAsync(opened, RelayErrorCodes.StreamPeerAborted);
        await ingress.PingAsync();
    }

    [Fact]
    public async Task Splice_SlowReaderBackpressuresInsteadOfBuffering()
    {
        // Small pipes: the relay may hold about one pipe's worth per hop, never the whole transfer.
        var small = new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false);
        var (relay, ingress, egress, id) = await PairAsync(small);
        await using var _ = relay;
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        var (opened, arrived) = await OpenDataStreamAsync(ingress, egress, id);

        byte[] data = RandomBytes(8 * 1024 * 1024, 5);
        var writer = WriteAllAsync(opened.Output, data, 16 * 1024);

        // Nobody reads at the far end: the writer must stall long before 8 MiB got through.
        var firstRead = await arrived.Input.ReadAsync().AsTask().WaitAsync(TestTimeouts.Operation);
        arrived.Input.AdvanceTo(firstRead.Buffer.Start, firstRead.Buffer.End);
        Assert.False(writer.IsCompleted);
        Assert.True(tunnel.BytesIngress < 1024 * 1024, $"relay forwarded {tunnel.BytesIngress} bytes to a reader that reads nothing");

        byte[] received = await ReadToEndAsync(arrived.Input);
        await writer;
        Assert.Equal(data, received);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("nopeer")]
    [InlineData("stranger")]
    [InlineData("badjson")]
    [InlineData("notcp")]
    [InlineData("oversized")]
    [InlineData("fin")]
    public async Task Refused_OnlyThatStreamIsAborted(string kind)
    {
        await using var relay = new RelayHarness();
        var ingress = relay.ConnectWithControl();
        var egress = relay.ConnectWithControl();
        var stranger = relay.ConnectWithControl();
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await ingress.BindAsync(id, "ingress", "tcp");
        if (kind != "nopeer")
        {
            await egress.BindAsync(id, "egress", "tcp");
        }

        var opener = kind == "stranger" ? stranger : ingress;
        var stream = opener.Edge.OpenBidirectionalStream();
        var expectedReason = StreamRefusalReason.BadHeader;
        switch (kind)
        {
            case "unknown":
                await EdgeClient.SendFrameAsync(stream, EdgeClient.HeaderJson(TunnelId.FromGuid(Guid.NewGuid())));
                expectedReason = StreamRefusalReason.UnknownTunnel;
                break;
            case "nopeer":
                await EdgeClient.SendFrameAsync(stream, EdgeClient.HeaderJson(id));
                expectedReason = StreamRefusalReason.NoPeer;
                break;
            case "stranger":
                await EdgeClient.SendFrameAsync(stream, EdgeClient.HeaderJson(id));
                expectedReason = StreamRefusalReason.NotAMember;
                break;
            case "badjson":
                await EdgeClient.SendFrameAsync(stream, "{\"tunnel_id\":");
                break;
            case "notcp":
                await EdgeClient.SendFrameAsync(stream, $$"""{"tunnel_id":"{{id}}","stream_type":"udp"}""");
                break;
            case "oversized":
                var prefix = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(prefix, (2 * 1024 * 1024) + 1);
                await stream.Output.WriteAsync(prefix);
                expectedReason = StreamRefusalReason.OversizedHeader;
                break;
            case "fin":
                await stream.Output.WriteAsync(new byte[] { 0, 0 });
                await stream.Output.CompleteAsync();
                break;
        }

        await AssertAbortedAsync(stream, RelayErrorCodes.StreamRefused);

        Assert.Equal(1, relay.Relay.Metrics.GetStreamRefusals(expectedReason));
        Assert.False(egress.Edge.TryAcceptBidirectionalStream(out _));
        Assert.False(ingress.Edge.TryAcceptBidirectionalStream(out _));
        foreach (var edge in new[] { ingress, egress, stranger })
        {
            Assert.False(edge.Connection.IsClosed);
            await edge.PingAsync();
        }

        Assert.Equal(kind == "nopeer" ? "waiting_egress" : "active", Assert.Single(relay.Relay.ListTunnels()).Status);
        Assert.Equal(0, relay.Relay.Metrics.TcpStreamsTotal);
    }

    [Fact]
    public async Task Refused_PeerCannotOpenStream()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var gate = new TaskCompletionSource();
        egress.Connection.StreamCreditGate = gate;
        var stream = ingress.Edge.OpenBidirectionalStream();
        await EdgeClient.SendFrameAsync(stream, EdgeClient.HeaderJson(id));

        // The relay waits for stream credit on the peer; then the peer disappears.
        await egress.Connection.StreamOpenAttempted.Task.WaitAsync(TestTimeouts.Operation);
        egress.Edge.Disconnect();
        gate.SetResult();

        await AssertAbortedAsync(stream, RelayErrorCodes.StreamRefused);
        Assert.Equal(1, relay.Relay.Metrics.GetStreamRefusals(StreamRefusalReason.PeerUnavailable));
        await ingress.PingAsync();
    }
}
