using System.Text;
using BilbyRelay.Core.Metrics;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// PROTOCOL.md §1.3 rule 1 and §2 over real QUIC: a data stream the relay cannot carry is reset and
/// stopped, and nothing else changes — the opener's connection, its other tunnels and other edges
/// keep working.
/// </summary>
public sealed class DataStreamRefusalTests : IAsyncLifetime
{
    private const long StreamRefusedCode = 0x10;

    private InProcessRelay _relay = null!;
    private TunnelPair _pair = null!;

    public async Task InitializeAsync()
    {
        _relay = await InProcessRelay.StartAsync();
        _pair = await TunnelPair.BindAsync(_relay.Endpoint);
    }

    public async Task DisposeAsync()
    {
        await _pair.DisposeAsync();
        await _relay.DisposeAsync();
    }

    [Fact]
    public async Task Stream_ForUnknownTunnel_IsRefused()
    {
        var stream = await _pair.Ingress.OpenRefusableStreamAsync(TunnelHeader(Guid.NewGuid()));

        await AssertRefusedAsync(stream, StreamRefusalReason.UnknownTunnel);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_FromEdgeThatNeverBound_IsRefused()
    {
        await using var stranger = await _relay.ConnectEdgeAsync();
        await stranger.IdentifyAsync("stranger");

        var stream = await stranger.OpenRefusableStreamAsync(TunnelHeader(_pair.TunnelId));

        await AssertRefusedAsync(stream, StreamRefusalReason.NotAMember);
        await AssertRelayStillWorksAsync(stranger);
    }

    [Fact]
    public async Task Stream_FromMemberOfAnotherTunnel_IsRefusedAndNotForwarded()
    {
        await using var outsiders = await TunnelPair.BindAsync(_relay.Endpoint);

        var stream = await outsiders.Egress.OpenRefusableStreamAsync(TunnelHeader(_pair.TunnelId));

        await AssertRefusedAsync(stream, StreamRefusalReason.NotAMember);
        var target = Assert.Single(_relay.Relay.ListTunnels(), t => t.TunnelId == _pair.TunnelId.ToString("D"));
        Assert.Equal(0, target.Stats.TcpStreamsTotal);
        await AssertRelayStillWorksAsync(outsiders.Egress);
    }

    [Fact]
    public async Task Stream_WithNoPeerBound_IsRefused()
    {
        var lonely = Guid.NewGuid();
        await _pair.Ingress.BindAsync(lonely, "ingress", "tcp");
        await _pair.Ingress.ExpectControlAsync("tunnel_waiting", lonely);

        var stream = await _pair.Ingress.OpenRefusableStreamAsync(TunnelHeader(lonely));

        await AssertRefusedAsync(stream, StreamRefusalReason.NoPeer);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_WithNonJsonHeader_IsRefused()
    {
        var stream = await _pair.Ingress.OpenRefusableStreamAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        await AssertRefusedAsync(stream, StreamRefusalReason.BadHeader);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_WithNonUuidTunnelId_IsRefused()
    {
        var stream = await _pair.Ingress.OpenRefusableStreamAsync(SimulatedEdge.TunnelStreamHeader("not-a-uuid"));

        await AssertRefusedAsync(stream, StreamRefusalReason.BadHeader);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_WithOtherStreamType_IsRefused()
    {
        var header = EdgeFraming.Json(w =>
        {
            w.WriteString("tunnel_id", _pair.TunnelId.ToString("D"));
            w.WriteString("stream_type", "sctp");
        });

        var stream = await _pair.Ingress.OpenRefusableStreamAsync(header);

        await AssertRefusedAsync(stream, StreamRefusalReason.BadHeader);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_WithHeaderLengthOver1MiB_IsRefusedWithoutWaitingForTheBytes()
    {
        // Only the prefix is sent: the relay must refuse on the declared length alone. A relay that waited for the
        // announced bytes never resets, and the read in AssertRefusedAsync times out.
        var stream = await _pair.Ingress.OpenRefusableStreamAsync(output => EdgeFraming.WriteLengthOnlyAsync(output, (1024 * 1024) + 1, TestTimeouts.Token()));

        await AssertRefusedAsync(stream, StreamRefusalReason.OversizedHeader);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    [Fact]
    public async Task Stream_WithHeaderOfExactly1MiB_IsNotRefusedForItsSize()
    {
        // A 1 MiB header is within the limit; it is refused only because it is not a valid header.
        var header = Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', (1024 * 1024) - 10) + "\"}");
        Assert.Equal(1024 * 1024, header.Length);

        var stream = await _pair.Ingress.OpenRefusableStreamAsync(header);

        await AssertRefusedAsync(stream, StreamRefusalReason.BadHeader);
        Assert.Equal(0, _relay.Relay.Metrics.GetStreamRefusals(StreamRefusalReason.OversizedHeader));
    }

    [Fact]
    public async Task Stream_EndingInsideItsHeader_IsRefused()
    {
        var stream = await _pair.Ingress.Connection.OpenStreamAsync(bidirectional: true, TestTimeouts.Token());
        await EdgeFraming.WriteLengthOnlyAsync(stream.Output, 100, TestTimeouts.Token());
        await stream.Output.CompleteAsync();

        await AssertRefusedAsync(stream, StreamRefusalReason.BadHeader);
        await AssertRelayStillWorksAsync(_pair.Ingress);
    }

    private static byte[] TunnelHeader(Guid tunnelId) => SimulatedEdge.TunnelStreamHeader(tunnelId.ToString("D"));

    /// <summary>The relay resets the stream towards the edge with the refusal code, and counts why.</summary>
    private async Task AssertRefusedAsync(QuicStream stream, StreamRefusalReason reason)
    {
        var failure = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () => await stream.Input.ReadAsync(TestTimeouts.Token()));
        Assert.Equal(QuicStreamAbortKind.Reset, failure.Kind);
        Assert.Equal(StreamRefusedCode, failure.ApplicationErrorCode);
        Assert.Equal(1, _relay.Relay.Metrics.GetStreamRefusals(reason));
        Assert.Equal(0, _relay.Relay.Metrics.TcpStreamsTotal);
    }

    /// <summary>The offender still answers on its control stream and the pair's tunnel still carries a stream.</summary>
    private async Task AssertRelayStillWorksAsync(SimulatedEdge offender)
    {
        await offender.ExpectPongAsync();
        var opened = await _pair.Ingress.OpenTunnelStreamAsync(_pair.TunnelId, TestTimeouts.Token());
        var accepted = await _pair.Egress.AcceptTunnelStreamAsync(TestTimeouts.Token());
        var echo = TestPayload.EchoAsync(accepted.Stream);
        var read = TestPayload.ReadToEndAsync(opened.Input);
        var sent = await TestPayload.WriteAsync(opened.Output, seed: 30, 64 * 1024);
        Assert.Equal(sent, (await read).Sha256);
        await echo;
    }
}
