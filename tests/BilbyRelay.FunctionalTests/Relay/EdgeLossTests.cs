using System.Diagnostics;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// PROTOCOL.md §1 and §1.3 over real QUIC: an edge that vanishes without closing its connection is
/// detected within the idle timeout, its spliced streams are reset towards the peer, and the peer is
/// told its tunnel is down.
/// </summary>
public sealed class EdgeLossTests : IAsyncLifetime
{
    private const int IdleTimeoutSecs = 2;
    private const int KeepAliveIntervalSecs = 1;

    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync(c =>
    {
        c.IdleTimeoutSecs = IdleTimeoutSecs;
        c.KeepAliveIntervalSecs = KeepAliveIntervalSecs;
    });

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task EdgeVanishesMidTransfer_PeerStreamResetAndTunnelDownOnceSilenceTimesOut()
    {
        var pair = await TunnelPair.BindAsync(_relay.Endpoint);
        await using var survivor = pair.Egress;
        var opened = await pair.Ingress.OpenTunnelStreamAsync(pair.TunnelId, TestTimeouts.Token());
        var accepted = await survivor.AcceptTunnelStreamAsync(TestTimeouts.Token());

        // Data is flowing from the ingress edge when it disappears.
        var first = TestPayload.Bytes(50, 256 * 1024);
        await opened.Output.WriteAsync(first, TestTimeouts.Token());
        long received = 0;
        while (received < first.Length)
        {
            var result = await accepted.Stream.Input.ReadAsync(TestTimeouts.Token());
            received += result.Buffer.Length;
            accepted.Stream.Input.AdvanceTo(result.Buffer.End);
        }

        var clock = Stopwatch.StartNew();
        pair.Ingress.Vanish();

        var down = await survivor.ReceiveNotificationAsync(TestTimeouts.Token());
        var detectedAfter = clock.Elapsed;
        Assert.Equal("tunnel_down", down.Type);
        Assert.Equal(pair.TunnelId.ToString("D"), down.TunnelId);
        Assert.Equal("peer disconnected", down.Reason);

        // QUIC restarts the idle timer when it sends its first ack-eliciting packet after the last one
        // it received (RFC 9000 §10.1), and the relay's keep-alive is such a packet: silence is noticed
        // at most one keep-alive interval plus the idle timeout after the last packet. (The vanished
        // edge's socket may also answer with a stateless reset, which ends it sooner.) The default
        // idle timeout is 25 s, so a relay that ignored the configured one would fail this by far.
        var bound = TimeSpan.FromSeconds(KeepAliveIntervalSecs + IdleTimeoutSecs + 2);
        Assert.True(
            detectedAfter < bound,
            $"the vanished edge was noticed after {detectedAfter.TotalSeconds:F1} s; idle timeout {IdleTimeoutSecs} s, keep-alive {KeepAliveIntervalSecs} s");

        // The spliced stream is reset towards the survivor rather than ended with a forged FIN.
        var failure = await Assert.ThrowsAsync<QuicStreamAbortedException>(async () =>
        {
            while (true)
            {
                var result = await accepted.Stream.Input.ReadAsync(TestTimeouts.Token());
                accepted.Stream.Input.AdvanceTo(result.Buffer.End);
                Assert.False(result.IsCompleted, "the stream ended cleanly although its opener vanished");
            }
        });
        Assert.Equal(QuicStreamAbortKind.Reset, failure.Kind);

        var downEvent = await _relay.Events.WaitForAsync("Tunnel down: edge disconnected");
        Assert.Equal(pair.TunnelId.ToString("D"), downEvent.FlowId);
        await _relay.Events.WaitForAsync(e => e.Message.StartsWith("Edge disconnected from ", StringComparison.Ordinal));
        Assert.Equal(1, _relay.Relay.ConnectedEdges);
        var stats = Assert.Single(_relay.Relay.ListTunnels()).Stats;
        Assert.Equal(0, stats.TcpStreamsActive);
        await survivor.ExpectPongAsync();
        await pair.Ingress.DisposeAsync();
    }
}
