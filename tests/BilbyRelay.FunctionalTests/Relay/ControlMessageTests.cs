using BilbyRelay.Core.Protocol;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>PROTOCOL.md §1.1 over real QUIC: every control message an edge may send.</summary>
public sealed class ControlMessageTests : IAsyncLifetime
{
    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Hello_RepliesHelloAckWithRelayVersionOnControlStream()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.HelloAsync(2, "edge-test");
        var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());

        Assert.Equal("hello_ack", reply.Type);
        Assert.Equal(2u, reply.Root.GetProperty("protocol_version").GetUInt32());
        Assert.Equal("test", reply.GetString("software_version"));
    }

    [Fact]
    public async Task Hello_WithOtherProtocolVersion_RaisesMismatchEventAndStillAcks()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.HelloAsync(7, "edge-future");
        var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());
        var mismatch = await _relay.Events.WaitForAsync("Protocol version mismatch (edge=7, relay=2)");

        Assert.Equal("hello_ack", reply.Type);
        Assert.Equal("edge", mismatch.Category.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task Ping_RepliesPong()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.PingAsync();

        Assert.Equal("pong", (await edge.ReceiveControlAsync(TestTimeouts.Token())).Type);
    }

    [Fact]
    public async Task Identify_NamesTheEdgeInTheEdgeList()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.IdentifyAsync("camera-7");
        await edge.PingAsync();
        await edge.ReceiveControlAsync(TestTimeouts.Token());

        Assert.Contains(_relay.Relay.ListEdges(), e => e.EdgeId == "camera-7");
    }

    [Fact]
    public async Task Identify_LongerThan64Characters_IsIgnored()
    {
        await using var edge = await _relay.ConnectEdgeAsync();
        var tooLong = new string('x', 65);

        await edge.IdentifyAsync(tooLong);
        await edge.PingAsync();
        await edge.ReceiveControlAsync(TestTimeouts.Token());

        var listed = Assert.Single(_relay.Relay.ListEdges());
        Assert.NotEqual(tooLong, listed.EdgeId);
    }

    [Fact]
    public async Task UnknownTypeAndExtraFields_AreIgnoredAndConnectionStillAnswers()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "feature_from_the_future");
            w.WriteNumber("level", 3);
        }));
        await edge.SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "ping");
            w.WriteString("unexpected", "field");
        }));

        Assert.Equal("pong", (await edge.ReceiveControlAsync(TestTimeouts.Token())).Type);
    }

    [Fact]
    public async Task MalformedJson_IsSkippedAndConnectionStillAnswers()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        await edge.SendAsync("{\"type\": \"tunnel_bind\", "u8.ToArray());
        await edge.SendAsync("[1,2,3]"u8.ToArray());
        await edge.PingAsync();

        Assert.Equal("pong", (await edge.ReceiveControlAsync(TestTimeouts.Token())).Type);
    }

    [Fact]
    public async Task ControlFrameAtTheCap_IsReadAlthoughStreamsStartWithSmallWindows()
    {
        await using var edge = await _relay.ConnectEdgeAsync();
        var padding = new string('p', RelayProtocol.MaxFrameLength - 64);

        await edge.SendAsync(EdgeFraming.Json(w =>
        {
            w.WriteString("type", "ping");
            w.WriteString("padding", padding);
        }));

        Assert.Equal("pong", (await edge.ReceiveControlAsync(TestTimeouts.Token())).Type);
    }

    [Fact]
    public async Task OversizedControlFrame_ClosesOnlyThatConnection()
    {
        await using var offender = await _relay.ConnectEdgeAsync();
        await using var bystander = await _relay.ConnectEdgeAsync();

        // The relay may close the connection while the frame is still being written.
        var send = await Record.ExceptionAsync(() => offender.SendAsync(new byte[2 * 1024 * 1024]));
        Assert.True(send is null or IOException, $"unexpected failure: {send}");

        var closed = await offender.Closed.WaitAsync(TestTimeouts.Default);
        await _relay.Events.WaitForAsync(e => e.Message.StartsWith("Edge connection failed: control stream error from ", StringComparison.Ordinal));
        await bystander.PingAsync();
        Assert.Equal("pong", (await bystander.ReceiveControlAsync(TestTimeouts.Token())).Type);
        Assert.NotNull(closed.ApplicationErrorCode);
        Assert.NotEqual(0, closed.ApplicationErrorCode);
    }

    [Fact]
    public async Task Connect_RaisesEdgeConnectedEventWithAddress()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        // The relay names the edge by the address it sees: loopback and the edge's own port.
        var connected = await _relay.Events.WaitForAsync($"Edge connected from 127.0.0.1:{edge.LocalEndPoint.Port}");

        Assert.Equal("Info", connected.Severity.ToString());
    }

    [Fact]
    public async Task DataStreamBeforeFirstControlMessage_IsRefusedAndControlStreamStillWorks()
    {
        await using var edge = await _relay.ConnectEdgeAsync();

        // The control stream (id 0) is open but has carried nothing yet; this stream's bytes arrive first.
        var early = await edge.OpenTunnelStreamAsync(Guid.NewGuid());
        var refusal = await Record.ExceptionAsync(async () => await early.Input.ReadAsync(TestTimeouts.Token()));
        await edge.PingAsync();

        Assert.IsType<BilbyRelay.Quic.QuicStreamAbortedException>(refusal);
        Assert.Equal("pong", (await edge.ReceiveControlAsync(TestTimeouts.Token())).Type);
    }
}
