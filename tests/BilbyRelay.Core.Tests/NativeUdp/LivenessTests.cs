using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;
using static BilbyRelay.Core.Tests.NativeUdp.NativeUdpHarness;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>§5.6 liveness, reaping and removal on a manual monotonic clock.</summary>
public sealed class LivenessTests
{
    private static readonly Guid Tunnel = Guid.NewGuid();

    [Fact]
    public void Rule2_SilentSession_IsReapedAfterMoreThan30Seconds()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");

        h.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, h.Relay.Reap());
        h.Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, h.Relay.Reap());

        Assert.Null(h.Relay.Find(TunnelId.FromGuid(Tunnel)));
        Assert.Equal(0, h.Relay.SessionCount);
        Assert.Equal(1, h.Metrics.SessionsReaped);
        Assert.Empty(h.DrainEvents());
    }

    [Fact]
    public void Rule1_RegistersAndForwardedMediaRefreshLiveness()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");

        h.Clock.Advance(TimeSpan.FromSeconds(25));
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        h.Clock.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(NativeUdpAction.Forward, h.Send(Media(Tunnel), "127.0.0.2:5000").Action);
        h.Clock.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(0, h.Relay.Reap());
        Assert.Equal(1, h.Relay.ActiveSessionCount);
    }

    [Fact]
    public void Rule1_HalfLatchedSessionWithOnlyMedia_IsReaped()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        for (var i = 0; i < 8; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.2:5000").Action);
        }

        Assert.Equal(1, h.Relay.Reap());
    }

    [Fact]
    public void Rule1_DroppedDatagramsDoNotRefreshLiveness()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        for (var i = 0; i < 8; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            h.Send(Media(Tunnel), "127.0.0.9:5000");
        }

        Assert.Equal(8, h.Metrics.GetDrops(NativeUdpDropReason.NotMember));
        Assert.Equal(1, h.Relay.Reap());
    }

    [Fact]
    public void Rule3_RemovalFreesTheQuota_AndTheFirstEdgeBackGetsReadyFalse()
    {
        var h = new NativeUdpHarness(maxSessionsPerIp: 1);
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        h.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, h.Relay.Reap());
        Assert.Equal(0, h.Relay.ActiveSessionCount);

        Assert.False(h.Ready(Tunnel, "ingress", "127.0.0.3:6000"));
        Assert.True(h.Ready(Tunnel, "egress", "127.0.0.2:5000"));
        Assert.NotNull(h.Register(Guid.NewGuid(), "egress", "127.0.0.2:5001"));
    }

    [Fact]
    public void Rule4_AdministratorRemoval_KeepsTheBindAuthorization()
    {
        var h = new NativeUdpHarness();
        var id = TunnelId.FromGuid(Tunnel);
        h.Tokens.Authorize(id, "in", "out");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000", token: "in");

        Assert.True(h.Relay.Remove(id));
        Assert.False(h.Relay.Remove(id));
        Assert.Equal(0, h.Metrics.SessionsReaped);
        Assert.True(h.Tokens.IsAuthorized(id));
        Assert.Null(h.Register(Tunnel, "ingress", "127.0.0.3:6000"));
        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.3:6000", token: "in"));
    }

    [Fact]
    public void ListSessions_ReportsStatusAddressesCountersAndUptime()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        var ingressOnly = Guid.NewGuid();
        h.Register(ingressOnly, "ingress", "[::1]:7000");
        h.Send(Media(Tunnel, 84), "127.0.0.2:5000");
        h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        h.Send(Media(Tunnel, 184), "127.0.0.2:5000");
        h.Send(Media(Tunnel, 34), "127.0.0.3:6000");
        h.Clock.Advance(TimeSpan.FromSeconds(7.5));

        var sessions = h.Relay.ListSessions().ToDictionary(s => s.TunnelId.ToGuid());
        var active = sessions[Tunnel];
        Assert.Equal("udp", active.Transport);
        Assert.Equal("active", active.Status);
        Assert.Equal("127.0.0.3:6000", active.IngressAddr);
        Assert.Equal("127.0.0.2:5000", active.EgressAddr);
        Assert.Equal(100 + 200, active.BytesEgress);
        Assert.Equal(50, active.BytesIngress);
        Assert.Equal(2, active.Datagrams);
        Assert.Equal(7, active.UptimeSecs);

        var waiting = sessions[ingressOnly];
        Assert.Equal("waiting_egress", waiting.Status);
        Assert.Equal("[::1]:7000", waiting.IngressAddr);
        Assert.Null(waiting.EgressAddr);
        Assert.Equal(2, h.Relay.SessionCount);
        Assert.Equal(1, h.Relay.ActiveSessionCount);
    }
}
