using System.Buffers.Binary;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Relay;

public class ControlStreamTests
{
    [Fact]
    public async Task Hello_AnsweredWithRelayVersions()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();

        var ack = await edge.RequestAsync("""{"type":"hello","protocol_version":2,"software_version":"edge-2.0"}""");

        Assert.Equal("hello_ack", ack.GetProperty("type").GetString());
        Assert.Equal(2u, ack.GetProperty("protocol_version").GetUInt32());
        Assert.Equal("9.8.7", ack.GetProperty("software_version").GetString());
        Assert.DoesNotContain(relay.DrainEvents(), e => e.Message.StartsWith("Protocol version mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Hello_OtherVersionRaisesMismatchEventAndStillAcks()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();

        var ack = await edge.RequestAsync("""{"type":"hello","protocol_version":1,"software_version":"edge-1.0"}""");

        Assert.Equal("hello_ack", ack.GetProperty("type").GetString());
        var mismatch = Assert.Single(relay.DrainEvents(), e => e.Message == "Protocol version mismatch (edge=1, relay=2)");
        Assert.Equal(EventSeverity.Warning, mismatch.Severity);
        Assert.Equal(EventCategory.Edge, mismatch.Category);
    }

    [Fact]
    public async Task Ping_AnsweredWithPong()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        var pong = await edge.RequestAsync("""{"type":"ping"}""");
        Assert.Equal("""{"type":"pong"}""", pong.GetRawText());
    }

    [Fact]
    public async Task Identify_SetsReportedEdgeId()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.PingAsync();
        var before = Assert.Single(relay.Relay.ListEdges());
        Assert.StartsWith("conn-", before.EdgeId, StringComparison.Ordinal);
        Assert.Equal(before.ConnectionId, before.EdgeId);
        Assert.EndsWith("-" + edge.RemoteEndPoint, before.ConnectionId, StringComparison.Ordinal);

        await edge.SendAsync("""{"type":"identify","edge_id":"node-42"}""");
        await edge.PingAsync();

        var after = Assert.Single(relay.Relay.ListEdges());
        Assert.Equal("node-42", after.EdgeId);
        Assert.Equal(edge.RemoteEndPoint.ToString(), after.RemoteAddr);
    }

    [Fact]
    public async Task Identify_Over64CharsIsIgnored()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        string exactly64 = new('a', 64);
        await edge.SendAsync($$"""{"type":"identify","edge_id":"{{exactly64}}"}""");
        await edge.SendAsync($$"""{"type":"identify","edge_id":"{{new string('b', 65)}}"}""");
        await edge.PingAsync();

        Assert.Equal(exactly64, Assert.Single(relay.Relay.ListEdges()).EdgeId);
    }

    [Fact]
    public async Task UnknownType_IgnoredAndConnectionStaysUp()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.SendAsync("""{"type":"tunnel_migrate","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","hint":[1,2]}""");
        await edge.PingAsync();
        Assert.False(edge.Connection.IsClosed);
        Assert.Contains(relay.Log.Entries, e => e.EventId == 3008 && e.Message.Contains("tunnel_migrate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedJson_SkippedAndConnectionStaysUp()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.SendAsync("{\"type\":\"ping\"");
        await edge.SendAsync("\u0001garbage");
        await edge.PingAsync();
        Assert.False(edge.Connection.IsClosed);
    }

    [Fact]
    public async Task NonUuidTunnelIds_IgnoredWithoutReply()
    {
        // A message naming a tunnel that is not a UUID cannot be answered (tunnel_down needs a valid
        // id): it is skipped like other malformed messages, as upstream does. The next reply on the
        // control stream is the pong, proving no reply was sent for the bad binds.
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.SendAsync("""{"type":"tunnel_bind","tunnel_id":"tunnel-one","direction":"ingress","protocol":"udp"}""");
        await edge.SendAsync("""{"type":"tunnel_unbind","tunnel_id":"tunnel-one"}""");
        await edge.PingAsync();
        Assert.Equal(0, relay.Relay.Tunnels.Count);
        Assert.False(edge.Connection.IsClosed);
    }

    [Fact]
    public async Task OversizedControlFrame_ClosesOnlyThatConnection()
    {
        await using var relay = new RelayHarness();
        var bystander = relay.ConnectWithControl("192.0.2.50");
        var id = TunnelId.FromGuid(Guid.NewGuid());
        Assert.Equal("tunnel_waiting", (await bystander.BindAsync(id, "ingress")).GetProperty("type").GetString());

        var offender = relay.ConnectWithControl("192.0.2.66");
        await offender.PingAsync();
        // A 2 MiB frame of which only the prefix and a little body are ever sent: the relay must
        // decide from the prefix, without waiting for (or buffering) the body.
        var start = new byte[4 + 1000];
        BinaryPrimitives.WriteUInt32BigEndian(start, 2 * 1024 * 1024);
        await offender.Control.Output.WriteAsync(start);
        await offender.RunTask.WaitAsync(TestTimeouts.Operation);

        Assert.Equal(RelayErrorCodes.ControlStreamError, offender.Connection.CloseInfo!.Value.Code);
        var failure = Assert.Single(relay.DrainEvents(), e => e.Message.StartsWith("Edge connection failed", StringComparison.Ordinal));
        Assert.Equal(EventMessages.ControlStreamError(offender.RemoteEndPoint.ToString()), failure.Message);
        Assert.Equal(EventSeverity.Warning, failure.Severity);

        Assert.False(bystander.Connection.IsClosed);
        await bystander.PingAsync();
        Assert.True(relay.Relay.Tunnels.TryGet(id, out _));
    }

    [Fact]
    public async Task ControlStreamFin_EndsTheSession()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.PingAsync();
        await edge.Control.Output.CompleteAsync();
        await edge.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.True(edge.Connection.IsClosed);
        Assert.Equal(0, relay.Relay.ConnectedEdges);
    }

    [Fact]
    public async Task TruncatedControlFrame_IsAControlStreamError()
    {
        await using var relay = new RelayHarness();
        var edge = relay.ConnectWithControl();
        await edge.Control.Output.WriteAsync(new byte[] { 0, 0, 0, 50, (byte)'{' });
        await edge.Control.Output.CompleteAsync();
        await edge.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.Equal(RelayErrorCodes.ControlStreamError, edge.Connection.CloseInfo!.Value.Code);
        Assert.Contains(relay.DrainEvents(), e => e.Message == EventMessages.ControlStreamError(edge.RemoteEndPoint.ToString()));
    }

    [Fact]
    public async Task ConnectAndDisconnect_RaiseEdgeEvents()
    {
        await using var relay = new RelayHarness();
        var edge = relay.Connect("2001:db8::7").OpenControl();
        await edge.PingAsync();
        edge.Edge.Disconnect();
        await edge.RunTask.WaitAsync(TestTimeouts.Operation);

        string addr = "[2001:db8::7]:" + edge.RemoteEndPoint.Port;
        var messages = relay.DrainEvents().Where(e => e.Category == EventCategory.Edge).Select(e => e.Message).ToList();
        Assert.Equal([EventMessages.EdgeConnected(addr), EventMessages.EdgeDisconnected(addr)], messages);
    }

    [Fact]
    public async Task UnidirectionalStreamFromEdge_IsRefusedAndIgnored()
    {
        await using var relay = new RelayHarness();
        var edge = relay.Connect();
        var uni = edge.Edge.OpenUnidirectionalStream();
        edge.OpenControl();
        await edge.PingAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await uni.Output.WriteAsync(new byte[] { 1, 2, 3 });
        });
    }
}
