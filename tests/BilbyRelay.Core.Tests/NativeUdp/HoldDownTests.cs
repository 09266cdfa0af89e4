using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;
using static BilbyRelay.Core.Tests.NativeUdp.NativeUdpHarness;

namespace BilbyRelay.Core.Tests.NativeUdp;

/// <summary>§5.5 slot protection on a manual monotonic clock.</summary>
public sealed class HoldDownTests
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
    public void Rule2_ProtectedForLessThan12000Ms_FreeAtExactly12000Ms()
    {
        var h = Paired();
        h.Send(Media(Tunnel), "127.0.0.2:5000");

        h.Clock.Advance(TimeSpan.FromMilliseconds(11_999));
        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));

        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
    }

    [Fact]
    public void Rule2_AStampInTheFuture_CountsAsProtected()
    {
        var h = Paired();
        h.Clock.Advance(TimeSpan.FromSeconds(20));
        h.Send(Media(Tunnel), "127.0.0.2:5000");

        // The clock goes back 15 s: the stamp now lies in the future.
        h.Clock.StepBackward(TimeSpan.FromSeconds(15));
        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));

        // 12 s after the stamp, counted on the clock as it now runs, the slot is free.
        h.Clock.Advance(TimeSpan.FromSeconds(27));
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
    }

    [Fact]
    public void Rule3_RegistersNeverSetTheStamp()
    {
        var h = Paired();
        for (var i = 0; i < 3; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            h.Register(Tunnel, "egress", "127.0.0.2:5000");
        }

        // The slot has never carried media: an attacker who registers first gains nothing, nor does the owner.
        Assert.NotNull(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
    }

    [Fact]
    public void Rule4_MediaWithNoPeerStillSetsTheStamp()
    {
        var h = new NativeUdpHarness();
        h.Register(Tunnel, "egress", "127.0.0.2:5000");
        Assert.Equal(NativeUdpAction.None, h.Send(Media(Tunnel), "127.0.0.2:5000").Action);
        Assert.Equal(1, h.Metrics.GetDrops(NativeUdpDropReason.NoPeer));

        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
        Assert.Equal(1, h.Metrics.GetRejections(NativeUdpRejectReason.SlotHeld));
    }

    [Fact]
    public void Rule5_ProtectionIsPerSlot()
    {
        var h = Paired();
        h.Send(Media(Tunnel), "127.0.0.2:5000");

        // Egress is protected; the receive-only ingress slot moves freely (rule 7's known limit).
        Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
        Assert.NotNull(h.Register(Tunnel, "ingress", "127.0.0.8:6000"));
        Assert.Equal(Peer("127.0.0.8:6000"), h.Relay.Find(TunnelId.FromGuid(Tunnel))!.Ingress.Address);
    }

    [Fact]
    public void Rule6_LiveMediaKeepsTheSlot_AndAWanChangeRecoversBeforeTheReap()
    {
        var h = Paired();
        for (var i = 0; i < 10; i++)
        {
            h.Send(Media(Tunnel), "127.0.0.2:5000");
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Null(h.Register(Tunnel, "egress", "127.0.0.9:5000"));
            h.Register(Tunnel, "egress", "127.0.0.2:5000");
            h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        }

        // The sender's WAN IP changes: its old address falls silent, the new one registers every 5 s.
        var recovered = false;
        for (var i = 0; i < 3 && !recovered; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            recovered = h.Register(Tunnel, "egress", "127.0.0.9:5000") is not null;
            h.Register(Tunnel, "ingress", "127.0.0.3:6000");
        }

        Assert.True(recovered);
        Assert.Equal(0, h.Relay.Reap());
    }
}
