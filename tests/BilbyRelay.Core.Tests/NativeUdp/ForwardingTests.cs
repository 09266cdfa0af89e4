using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.NativeUdp;
using static BilbyRelay.Core.Tests.NativeUdp.NativeUdpHarness;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>§5.7 media forwarding, §5.10 event rate limits and §5.11 counters.</summary>
public sealed class ForwardingTests
{
    private static readonly Guid Tunnel = Guid.NewGuid();

    private static NativeUdpHarness Paired()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        return h;
    }

    [Fact]
    public void Rule1_UnknownTunnel_IsDropped()
    {
        var h = Paired();
        Assert.Equal(NativeUdpAction.None, h.Send(Media(Guid.NewGuid()), "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.UnknownTunnel));
    }

    [Fact]
    public void Rule2_AMatchNeedsSameIpAndPort()
    {
        var h = Paired();
        Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.2:5001").Action);
        Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.4:5000").Action);
        Assert.Equal(2, h.Metrics.GetDrops(NativeUdpDropReason.NotMember));
        Assert.Equal(0, h.Metrics.BytesReceived);
    }

    [Fact]
    public void Rule3_TargetThatIsTheRelayItself_IsDroppedWithoutAccounting()
    {
        var h = Paired();
        h.Relay.OwnAddresses = new RelayOwnAddresses([new IPEndPoint(IPAddress.Any, 6000)], []);

        Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.SelfLoop));
        Assert.Equal(0, h.Metrics.BytesReceived);
        var session = h.Relay.Find(Core.Tunnels.TunnelId.FromGuid(Tunnel))!;
        Assert.Equal(0, session.Egress.Bytes);
        Assert.Equal(0, session.Datagrams);

        // The slot got no stamp either: it is not protected.
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
    }

    [Fact]
    public void Rule4And5_BytesAreCountedBeforeTheNoPeerDrop()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Send(Media(Tunnel, 84), "127.0.0.2:5000");

        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.NoPeer));
        Assert.Equal(100, h.Metrics.BytesReceived);
        Assert.Equal(100, h.Relay.Find(Core.Tunnels.TunnelId.FromGuid(Tunnel))!.Egress.Bytes);
        Assert.Equal(0, h.Relay.Find(Core.Tunnels.TunnelId.FromGuid(Tunnel))!.Datagrams);
    }

    [Fact]
    public void Rule6_ForwardsBothWays_ToTheOppositeSlot()
    {
        var h = Paired();
        var down = h.Send(Media(Tunnel, 1000), "127.0.0.2:5000");
        Assert.Equal(new NativeUdpDecision(NativeUdpAction.Forward, Peer("127.0.0.3:6000"), 0, 0), down);
        var up = h.Send(Media(Tunnel, 10), "127.0.0.3:6000");
        Assert.Equal(Peer("127.0.0.2:5000"), up.Target);

        Assert.Equal(2, h.Relay.Find(Core.Tunnels.TunnelId.FromGuid(Tunnel))!.Datagrams);
        Assert.Equal(1016 + 26, h.Metrics.BytesReceived);

        // The loop reports what it actually sent; a refused send is a send_error drop.
        h.Metrics.CountSent(1, 1016);
        h.Metrics.CountSendErrors();
        Assert.Equal(1016, h.Metrics.BytesForwarded);
        Assert.Equal(1, h.Metrics.DatagramsForwarded);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.SendError));
    }

    [Fact]
    public void Counters_NeverDecreaseWhenSessionsGo()
    {
        var h = Paired();
        h.Send(Media(Tunnel), "127.0.0.2:5000");
        h.Metrics.CountSent(1, 116);
        h.Clock.Advance(TimeSpan.FromSeconds(31));
        h.Relay.Reap();

        Assert.Equal(116, h.Metrics.BytesReceived);
        Assert.Equal(116, h.Metrics.BytesForwarded);
        Assert.Equal(1, h.Metrics.DatagramsForwarded);
        Assert.Equal(2, h.Metrics.RegistersAccepted);
    }

    [Fact]
    public void Events_AreRateLimitedPerMessageTunnelAndSourceIp_WithSuppressedCount()
    {
        var h = Paired();
        h.Send(Media(Tunnel), "127.0.0.2:5000");
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(h.Register(Tunnel, "egress", $"127.0.0.9:{5000 + i}"));
        }

        // Another source IP is another key.
        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.8:5000"));
        var first = h.DrainEvents();
        Assert.Equal(2, first.Count);
        Assert.All(first, e => Assert.False(Details(e).TryGetProperty("suppressed", out _)));
        Assert.Equal(6, h.Metrics.GetRejections(NativeUdpRejectReason.SlotHeld));

        // The rate limit holds events back, not the log: every rejection is logged at warning level (§5.4).
        var rejections = h.Log.Entries.Where(e => e.Message.Contains(EventMessages.NativeUdpSlotHeld, StringComparison.Ordinal)).ToList();
        Assert.Equal(6, rejections.Count);
        Assert.All(rejections, e => Assert.Equal(LogLevel.Warning, e.Level));

        h.Clock.Advance(TimeSpan.FromSeconds(10));
        h.Send(Media(Tunnel), "127.0.0.2:5000");
        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
        var next = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpSlotHeld, next.Message);
        Assert.Equal(4, Details(next).GetProperty("suppressed").GetInt64());
    }

    [Fact]
    public void StartUpEvents_HaveTheirDetails()
    {
        var h = new NativeUdpHarness();
        h.Relay.RaiseUnauthenticatedPosture();
        h.Relay.RaiseNotStarted(["0.0.0.0:4434", "[::]:4434"]);
        var events = h.DrainEvents();

        Assert.Equal(EventMessages.NativeUdpUnauthenticated, events[0].Message);
        Assert.Null(events[0].FlowId);
        var posture = Details(events[0]);
        Assert.Equal("relay_native_plane_unauthenticated", posture.GetProperty("error_code").GetString());
        Assert.False(posture.GetProperty("require_bind_auth").GetBoolean());
        Assert.True(posture.GetProperty("udp_relay_enabled").GetBoolean());

        Assert.Equal(EventMessages.NativeUdpNotStarted, events[1].Message);
        var notStarted = Details(events[1]);
        Assert.Equal("relay_udp_bind_failed", notStarted.GetProperty("error_code").GetString());
        Assert.Equal(["0.0.0.0:4434", "[::]:4434"], notStarted.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public void MediaAndKeepAlives_AllocateNothing()
    {
        var h = Paired();
        var media = Media(Tunnel, 1316);
        var keepAlive = RegisterDatagram(Tunnel, "egress", token: "t0k3n");
        var egress = Peer("127.0.0.2:5000");
        var ingress = Peer("127.0.0.3:6000");
        var reply = new byte[NativeUdpRelay.MaxControlLength];
        h.Relay.Process(media, egress, 0, reply);
        h.Relay.Process(keepAlive, egress, 0, reply);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            h.Relay.Process(media, egress, 0, reply);
            h.Relay.Process(media, ingress, 0, reply);
            h.Relay.Process(keepAlive, egress, 0, reply);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2001, h.Relay.Find(Core.Tunnels.TunnelId.FromGuid(Tunnel))!.Datagrams);
    }
}
