using BilbyRelay.Core.NativeUdp;
using static BilbyRelay.Core.Tests.NativeUdp.NativeUdpHarness;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>§5.2 datagram layout and §5.3 control messages.</summary>
public sealed class ControlDatagramTests
{
    private static readonly Guid Tunnel = Guid.Parse("6f9619ff-8b86-4d01-b42d-00cf4fc964ff");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    public void ShorterThanThePrefix_IsDroppedAsShort(int length)
    {
        var h = new NativeUdpHarness();
        Assert.Equal(NativeUdpAction.None, h.Send(new byte[length], "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.Short));
    }

    [Fact]
    public void Ack_IsCompactJsonInKeyOrderWithCanonicalId()
    {
        var h = new NativeUdpHarness();
        var decision = h.Send(RegisterDatagram(Tunnel, "egress"), "127.0.0.2:5000", socket: 1);

        Assert.Equal(NativeUdpAction.Reply, decision.Action);
        Assert.Equal(1, decision.SocketIndex);
        Assert.Equal("""{"type":"ack","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","ready":false}""", h.ReplyText(decision));
    }

    [Theory]
    [InlineData("6F9619FF-8B86-4D01-B42D-00CF4FC964FF")]
    [InlineData("6f9619ff8b864d01b42d00cf4fc964ff")]
    [InlineData("{6f9619ff-8b86-4d01-b42d-00cf4fc964ff}")]
    [InlineData("urn:uuid:6f9619ff-8b86-4d01-b42d-00cf4fc964ff")]
    public void Register_AcceptsUpstreamUuidSpellings_AndAcksCanonically(string spelling)
    {
        var h = new NativeUdpHarness();
        var decision = h.Send(RegisterDatagram("{\"type\":\"register\",\"tunnel_id\":\"" + spelling + "\",\"direction\":\"ingress\"}"), "127.0.0.2:5000");
        Assert.Equal("""{"type":"ack","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","ready":false}""", h.ReplyText(decision));
    }

    [Fact]
    public void Ready_IsTrueOnlyOnceBothSlotsHoldAnAddress_AndNoUnsolicitedAck()
    {
        var h = new NativeUdpHarness();
        Assert.False(h.Ready(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.True(h.Ready(Tunnel, "ingress", "127.0.0.3:6000"));

        // The first edge learns it from the ack to its next keep-alive.
        Assert.True(h.Ready(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.Equal(3, h.Metrics.RegistersAccepted);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type":"ack","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","ready":true}""")]
    [InlineData("""{"type":"Register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress"}""")]
    [InlineData("""{"tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress"}""")]
    [InlineData("""{"type":"register","direction":"egress"}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff"}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"Egress"}""")]
    [InlineData("""{"type":"register","tunnel_id":"not-a-uuid","direction":"egress"}""")]
    [InlineData("""{"type":"register","tunnel_id":42,"direction":"egress"}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress","protocol_version":"2"}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress","protocol_version":2.0}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress","protocol_version":-1}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress","protocol_version":4294967296}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress","bind_token":5}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress"}x""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress"}{}""")]
    [InlineData("""{"type":"register","tunnel_id":"6f9619ff-8b86-4d01-b42d-00cf4fc964ff","direction":"egress"}""" + "\n")]
    [InlineData("""[{"type":"register"}]""")]
    [InlineData("")]
    public void InvalidControl_IsDroppedWithoutReply_AndNeverTreatedAsMedia(string json)
    {
        var h = new NativeUdpHarness();
        var expectValid = json.EndsWith('\n');
        var decision = h.Send(RegisterDatagram(json), "127.0.0.2:5000");
        if (expectValid)
        {
            // Trailing JSON whitespace is allowed.
            Assert.Equal(NativeUdpAction.Reply, decision.Action);
            return;
        }

        Assert.Equal(NativeUdpAction.None, decision.Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.BadControl));
        Assert.Equal(0, h.Metrics.GetDrops(NativeUdpDropReason.UnknownTunnel));
        Assert.Equal(0, h.Relay.SessionCount);
        Assert.Empty(h.DrainEvents());
    }

    [Fact]
    public void BindTokenThatUnescapesToInvalidUtf8_IsDroppedAsBadControl()
    {
        // Found by fuzzing: "\u00e9" followed by a lone continuation byte (0x9d) made the token copy throw.
        var h = new NativeUdpHarness();
        var body = new List<byte>();
        body.AddRange("{\"type\":\"register\",\"tunnel_id\":\"6f9619ff-8b86-4d01-b42d-00cf4fc964ff\",\"direction\":\"egress\",\"bind_token\":\"a\\u00e9"u8.ToArray());
        body.Add(0x9d);
        body.AddRange("\"}"u8.ToArray());
        var datagram = new byte[16 + body.Count];
        body.CopyTo(datagram, 16);

        Assert.Equal(NativeUdpAction.None, h.Send(datagram, "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.BadControl));
        Assert.Equal(0, h.Relay.SessionCount);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("7")]
    [InlineData("4294967295")]
    public void AnyProtocolVersion_IsAccepted_WithoutEvent(string? version)
    {
        var h = new NativeUdpHarness();
        var json = "{\"type\":\"register\",\"tunnel_id\":\"" + Tunnel + "\",\"direction\":\"egress\",\"extra\":{\"nested\":[1,2]}"
            + (version is null ? string.Empty : ",\"protocol_version\":" + version) + "}";
        Assert.Equal(NativeUdpAction.Reply, h.Send(RegisterDatagram(json), "127.0.0.2:5000").Action);
        Assert.Empty(h.DrainEvents());
    }

    [Fact]
    public void NullBindToken_MeansNoToken()
    {
        var h = new NativeUdpHarness();
        var json = "{\"type\":\"register\",\"tunnel_id\":\"" + Tunnel + "\",\"direction\":\"egress\",\"bind_token\":null}";
        Assert.Equal(NativeUdpAction.Reply, h.Send(RegisterDatagram(json), "127.0.0.2:5000").Action);

        h.Tokens.Authorize(Core.Tunnels.TunnelId.FromGuid(Tunnel), "in", "out");
        Assert.Equal(NativeUdpAction.None, h.Send(RegisterDatagram(json), "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));
    }

    [Fact]
    public void ControlDatagramOver2048Bytes_IsDroppedUnparsed()
    {
        var h = new NativeUdpHarness();
        var padding = new string(' ', 2048);
        var datagram = RegisterDatagram("{\"type\":\"register\",\"tunnel_id\":\"" + Tunnel + "\",\"direction\":\"egress\"}" + padding);
        Assert.True(datagram.Length > 2048);

        Assert.Equal(NativeUdpAction.None, h.Send(datagram, "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.BadControl));

        // Exactly 2,048 bytes still parses.
        var exact = RegisterDatagram("{\"type\":\"register\",\"tunnel_id\":\"" + Tunnel + "\",\"direction\":\"egress\"}" + padding[..(2048 - datagram.Length + padding.Length)]);
        Assert.Equal(2048, exact.Length);
        Assert.Equal(NativeUdpAction.Reply, h.Send(exact, "127.0.0.2:5000").Action);
    }

    [Fact]
    public void EscapedBindToken_IsComparedUnescaped()
    {
        var h = new NativeUdpHarness();
        h.Tokens.Authorize(Core.Tunnels.TunnelId.FromGuid(Tunnel), "in\"x", "out");
        var json = "{\"type\":\"register\",\"tunnel_id\":\"" + Tunnel + "\",\"direction\":\"ingress\",\"bind_token\":\"in\\u0022x\"}";
        Assert.Equal(NativeUdpAction.Reply, h.Send(RegisterDatagram(json), "127.0.0.2:5000").Action);
    }
}
