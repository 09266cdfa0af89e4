using System.Net;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;
using static BilbyRelay.Core.Tests.NativeUdp.NativeUdpHarness;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>§5.4 rules 1–8, in their order, with no side effect from a rejected register.</summary>
public sealed class RegisterProcessingTests
{
    private static readonly Guid Tunnel = Guid.NewGuid();

    [Fact]
    public void Rule1_NilTunnel_IsBadControlWithoutEventOrSession()
    {
        var h = new NativeUdpHarness();
        Assert.Null(h.Register(Guid.Empty, "egress", "127.0.0.2:5000"));
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.BadControl));
        Assert.Equal(0, h.Relay.SessionCount);
        Assert.Empty(h.DrainEvents());
    }

    [Theory]
    [InlineData("127.0.0.2:0")]
    [InlineData("0.0.0.0:5000")]
    [InlineData("[::]:5000")]
    [InlineData("224.0.0.1:5000")]
    [InlineData("239.255.255.250:5000")]
    [InlineData("[ff02::1]:5000")]
    [InlineData("255.255.255.255:5000")]
    public void Rule2_UnroutableSource_IsRejectedWithEvent(string source)
    {
        var h = new NativeUdpHarness();
        Assert.Null(h.Register(Tunnel, "egress", source));

        Assert.Equal(0, h.Relay.SessionCount);
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.UnroutableSource));
        var e = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpImplausibleSource, e.Message);
        Assert.Equal(EventSeverity.Warning, e.Severity);
        Assert.Equal(EventCategory.Tunnel, e.Category);
        Assert.Equal(Tunnel.ToString("D"), e.FlowId);
        var details = Details(e);
        Assert.Equal("relay_invalid_source_addr", details.GetProperty("error_code").GetString());
        Assert.Equal("unroutable_source", details.GetProperty("reason").GetString());
        Assert.Equal(Peer(source).ToString(), details.GetProperty("remote_addr").GetString());
        Assert.Equal(Peer(source).IpText(), details.GetProperty("remote_ip").GetString());
        Assert.Equal("udp", details.GetProperty("transport").GetString());
    }

    [Theory]
    [InlineData("127.0.0.2:5000")]
    [InlineData("10.1.2.3:5000")]
    [InlineData("192.168.1.1:5000")]
    [InlineData("100.64.0.1:5000")]
    [InlineData("[fd00::1]:5000")]
    [InlineData("[::1]:5000")]
    [InlineData("[2001:db8::1]:5000")]
    public void Rule2_LoopbackPrivateCgnatAndUlaSources_AreAccepted(string source)
    {
        var h = new NativeUdpHarness();
        Assert.NotNull(h.Register(Tunnel, "egress", source));
    }

    [Fact]
    public void Rule2_RelayOwnAddress_IsRejected_ButAnotherPortOnTheSameIpIsNot()
    {
        var h = new NativeUdpHarness();
        h.Relay.OwnAddresses = new RelayOwnAddresses(
            [new IPEndPoint(IPAddress.Any, 4434), new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5555)],
            [IPAddress.Parse("10.9.9.9")],
            publicAddress: IPEndPoint.Parse("198.51.100.1:4434"));

        foreach (var own in new[] { "127.0.0.1:4434", "127.0.0.5:4434", "10.9.9.9:4434", "192.0.2.7:5555", "198.51.100.1:4434" })
        {
            Assert.Null(h.Register(Tunnel, "egress", own));
        }

        Assert.Equal(5, h.Metrics.GetRejections(NativeUdpRejectReason.RelayOwnAddress));
        Assert.All(h.DrainEvents(), e => Assert.Equal("relay_own_address", Details(e).GetProperty("reason").GetString()));
        Assert.Equal(0, h.Relay.SessionCount);

        // Not relay-owned: an edge on a loopback or interface address with its own port, or another IP on the bound port.
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.5:6000"));
        Assert.NotNull(h.Register(Tunnel, "ingress", "10.9.9.8:4434"));
        Assert.NotNull(h.Register(Guid.NewGuid(), "ingress", "192.0.2.8:5555"));
    }

    [Fact]
    public void Rule3_AuthorizedTunnel_NeedsTheTokenOfItsDirection()
    {
        var h = new NativeUdpHarness();
        h.Tokens.Authorize(TunnelId.FromGuid(Tunnel), "in-token", "out-token");

        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000"));
        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "out-token"));
        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "wrong"));
        Assert.Equal(0, h.Relay.SessionCount);
        Assert.Equal(3, h.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));

        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "in-token"));
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.3:5000", token: "out-token"));
        Assert.True(h.Relay.Find(TunnelId.FromGuid(Tunnel))!.IsActive);

        var e = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpInvalidToken, e.Message);
        var details = Details(e);
        Assert.False(details.TryGetProperty("error_code", out _));
        Assert.Equal("127.0.0.2:5000", details.GetProperty("remote_addr").GetString());
        Assert.Equal("udp", details.GetProperty("transport").GetString());
    }

    [Fact]
    public void Rule3_RequireBindAuth_RejectsUnauthorizedTunnels()
    {
        var h = new NativeUdpHarness(requireBindAuth: true);
        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "anything"));
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));

        h.Tokens.Authorize(TunnelId.FromGuid(Tunnel), "a", "b");
        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "a"));
    }

    [Fact]
    public void Rule4_PerIpCap_CountsCreationsOnly_AndIsReleasedOnRemoval()
    {
        var h = new NativeUdpHarness(maxSessionsPerIp: 2);
        var first = Guid.NewGuid();
        Assert.NotNull(h.Register(first, "egress", "127.0.0.2:5000"));
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "127.0.0.2:5001"));

        var third = Guid.NewGuid();
        Assert.Null(h.Register(third, "egress", "127.0.0.2:5002"));
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.PerIpCap));
        var e = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpSessionCapExceeded, e.Message);
        Assert.Equal("relay_dos_suspect", Details(e).GetProperty("error_code").GetString());
        Assert.False(Details(e).TryGetProperty("cap_scope", out _));

        // Joining or refreshing an existing session is not a creation, from any IP.
        Assert.NotNull(h.Register(first, "ingress", "127.0.0.2:6000"));
        Assert.NotNull(h.Register(first, "egress", "127.0.0.2:5000"));

        // Another IP has its own quota.
        Assert.NotNull(h.Register(third, "egress", "127.0.0.3:5002"));

        Assert.True(h.Relay.Remove(TunnelId.FromGuid(first)));
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "127.0.0.2:5003"));
    }

    [Fact]
    public void Rule4_Ipv6SourcesAreCountedPerSlash64()
    {
        var h = new NativeUdpHarness(maxSessionsPerIp: 1);
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "[2001:db8:1:2::1]:5000"));
        Assert.Null(h.Register(Guid.NewGuid(), "egress", "[2001:db8:1:2:ffff::9]:5000"));
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "[2001:db8:1:3::1]:5000"));
    }

    [Fact]
    public void Rule4_GlobalCap_IsRefusedWithCapScopeGlobal()
    {
        var h = new NativeUdpHarness(maxSessions: 2);
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "127.0.0.2:5000"));
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "127.0.0.3:5000"));
        Assert.Null(h.Register(Guid.NewGuid(), "egress", "127.0.0.4:5000"));

        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.GlobalCap));
        var e = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpSessionCapExceeded, e.Message);
        Assert.Equal("global", Details(e).GetProperty("cap_scope").GetString());
        Assert.Equal(2, h.Relay.SessionCount);
    }

    [Fact]
    public void Rule5_TheOppositeSlotsExactAddress_IsRejected()
    {
        var h = new NativeUdpHarness();
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000"));

        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.BothSlotsSameAddress));
        Assert.Equal("both_slots_same_address", Details(Assert.Single(h.DrainEvents())).GetProperty("reason").GetString());
        Assert.False(h.Relay.Find(TunnelId.FromGuid(Tunnel))!.Ingress.IsLatched);

        // Same IP, another port: two different sockets.
        Assert.True(h.Ready(Tunnel, "ingress", "127.0.0.2:5001"));
    }

    [Fact]
    public void Rule6_ProtectedSlot_RefusesAnotherIp_ButNotAPortRebind()
    {
        var h = new NativeUdpHarness();
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.3:6000"));
        h.Send(Media(Tunnel), "127.0.0.2:5000");

        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.SlotHeld));
        var e = Assert.Single(h.DrainEvents());
        Assert.Equal(EventMessages.NativeUdpSlotHeld, e.Message);
        Assert.Equal("relay_slot_takeover_refused", Details(e).GetProperty("error_code").GetString());
        Assert.Equal("127.0.0.9", Details(e).GetProperty("remote_ip").GetString());
        Assert.Equal(Peer("127.0.0.2:5000"), h.Relay.Find(TunnelId.FromGuid(Tunnel))!.Egress.Address);

        // A NAT port rebind (same IP) is always accepted.
        Assert.True(h.Ready(Tunnel, "egress", "127.0.0.2:5999"));
        Assert.Equal(Peer("127.0.0.2:5999"), h.Relay.Find(TunnelId.FromGuid(Tunnel))!.Egress.Address);
    }

    [Fact]
    public void Rule7_LatchReplacesTheOldAddress_WhoseMediaThenMatchesNoSlot()
    {
        var h = new NativeUdpHarness();
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.3:6000"));

        // No media yet: no protection, the last register wins from any IP.
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.4:7000"));
        Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.NotMember));
        Assert.Equal(NativeUdpAction.Forward, h.Send(Media(Tunnel), "127.0.0.4:7000").Action);
    }

    [Fact]
    public void Rule8_ForwardLeavesFromTheTargetsDialledSocket_RefreshedByEachRegister()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000", socket: 0);
        h.Register(Tunnel, "ingress", "127.0.0.3:6000", socket: 1);

        var toIngress = h.Send(Media(Tunnel), "127.0.0.2:5000", socket: 0);
        Assert.Equal(NativeUdpAction.Forward, toIngress.Action);
        Assert.Equal(Peer("127.0.0.3:6000"), toIngress.Target);
        Assert.Equal(1, toIngress.SocketIndex);

        var toEgress = h.Send(Media(Tunnel), "127.0.0.3:6000", socket: 1);
        Assert.Equal(0, toEgress.SocketIndex);

        // A keep-alive on another socket moves the dialled socket.
        h.Register(Tunnel, "ingress", "127.0.0.3:6000", socket: 2);
        Assert.Equal(2, h.Send(Media(Tunnel), "127.0.0.2:5000").SocketIndex);
    }

    [Fact]
    public void TheStepsRunInOrder_ARegisterFailingTwoIsRefusedByTheEarlierOne()
    {
        // Steps 2 and 3: an unroutable source for a tunnel it may not bind.
        var unroutable = new NativeUdpHarness(requireBindAuth: true);
        Assert.Null(unroutable.Register(Tunnel, "egress", "0.0.0.0:5000"));
        Assert.Equal(1, unroutable.Metrics.GetRejections(NativeUdpRejectReason.UnroutableSource));
        Assert.Equal(0, unroutable.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));

        // Steps 3 and 4: an IP at its session cap registers a tunnel it may not bind.
        var capped = new NativeUdpHarness(maxSessionsPerIp: 1, requireBindAuth: true);
        capped.Tokens.Authorize(TunnelId.FromGuid(Tunnel), "in", "out");
        Assert.NotNull(capped.Register(Tunnel, "ingress", "127.0.0.2:5000", token: "in"));
        Assert.Null(capped.Register(Guid.NewGuid(), "ingress", "127.0.0.2:5001"));
        Assert.Equal(1, capped.Metrics.GetRejections(NativeUdpRejectReason.InvalidToken));
        Assert.Equal(0, capped.Metrics.GetRejections(NativeUdpRejectReason.PerIpCap));

        // Steps 5 and 6: another IP, for a protected slot, that is exactly the opposite slot's address.
        var paired = new NativeUdpHarness();
        paired.Register(Tunnel, "egress", "127.0.0.2:5000");
        paired.Register(Tunnel, "ingress", "127.0.0.3:6000");
        paired.Send(Media(Tunnel), "127.0.0.2:5000");
        Assert.Null(paired.Register(Tunnel, "egress", "127.0.0.3:6000"));
        Assert.Equal(1, paired.Metrics.GetRejections(NativeUdpRejectReason.BothSlotsSameAddress));
        Assert.Equal(0, paired.Metrics.GetRejections(NativeUdpRejectReason.SlotHeld));
    }

    [Fact]
    public void RejectedRegister_ChangesNothing_NotEvenLiveness()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        h.Send(Media(Tunnel), "127.0.0.2:5000");

        // A refused takeover attempt every 5 s does not keep the session alive.
        for (var i = 0; i < 7; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            if (i < 2)
            {
                Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
            }
            else
            {
                Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.2:5000"));
            }
        }

        Assert.Equal(1, h.Relay.Reap());
        Assert.Equal(2, h.Metrics.RegistersAccepted);
    }
}
