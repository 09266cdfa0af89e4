using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Core.Tests.Splicing;

public class DatagramForwarderTests
{
    private static byte[] Datagram(TunnelId id, int payloadLength, byte fill = 0xAB)
    {
        var datagram = new byte[16 + payloadLength];
        id.WriteBytes(datagram);
        datagram.AsSpan(16).Fill(fill);
        return datagram;
    }

    private static async Task<(RelayHarness Relay, EdgeClient Ingress, EdgeClient Egress, TunnelId Id)> PairAsync()
    {
        var relay = new RelayHarness();
        var ingress = relay.ConnectWithControl();
        var egress = relay.ConnectWithControl();
        var id = TunnelId.FromGuid(Guid.NewGuid());
        await ingress.BindAsync(id, "ingress");
        await egress.BindAsync(id, "egress");
        return (relay, ingress, egress, id);
    }

    [Fact]
    public async Task Forward_BothWaysWithPrefixIntact()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var toEgress = Datagram(id, 1200, 0x11);
        var toIngress = Datagram(id, 40, 0x22);

        ingress.Edge.SendDatagram(toEgress);
        egress.Edge.SendDatagram(toIngress);

        Assert.True(egress.Edge.ReceivedDatagrams.TryDequeue(out var got));
        Assert.Equal(toEgress, got);
        Assert.True(ingress.Edge.ReceivedDatagrams.TryDequeue(out var back));
        Assert.Equal(toIngress, back);

        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        Assert.Equal(2, tunnel.UdpDatagramsTotal);
        Assert.Equal(1200, tunnel.BytesIngress);
        Assert.Equal(40, tunnel.BytesEgress);
        Assert.Equal(2, relay.Relay.Metrics.UdpDatagrams.Value);
    }

    [Fact]
    public async Task Forward_EmptyPayloadIsForwarded()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        ingress.Edge.SendDatagram(Datagram(id, 0));
        Assert.True(egress.Edge.ReceivedDatagrams.TryDequeue(out var got));
        Assert.Equal(16, got.Length);
    }

    [Fact]
    public async Task Drops_AreCountedByReason()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        var stranger = relay.ConnectWithControl();
        var lonelyId = TunnelId.FromGuid(Guid.NewGuid());
        await ingress.BindAsync(lonelyId, "ingress");
        await stranger.PingAsync();
        var metrics = relay.Relay.Metrics;

        ingress.Edge.SendDatagram(new byte[15]);
        ingress.Edge.SendDatagram(Datagram(TunnelId.FromGuid(Guid.NewGuid()), 10));
        stranger.Edge.SendDatagram(Datagram(id, 10));
        ingress.Edge.SendDatagram(Datagram(lonelyId, 10));
        egress.Connection.DatagramQueueCapacity = 0;
        ingress.Edge.SendDatagram(Datagram(id, 10));
        ingress.Edge.SendDatagram(Datagram(id, 10));

        Assert.Equal(1, metrics.GetDatagramDrops(DatagramDropReason.TooShort));
        Assert.Equal(1, metrics.GetDatagramDrops(DatagramDropReason.UnknownTunnel));
        Assert.Equal(1, metrics.GetDatagramDrops(DatagramDropReason.NotAMember));
        Assert.Equal(1, metrics.GetDatagramDrops(DatagramDropReason.NoPeer));
        Assert.Equal(2, metrics.GetDatagramDrops(DatagramDropReason.PeerQueueFull));
        Assert.Empty(egress.Edge.ReceivedDatagrams);
        Assert.Empty(ingress.Edge.ReceivedDatagrams);
        Assert.Empty(stranger.Edge.ReceivedDatagrams);
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        Assert.Equal(0, tunnel.UdpDatagramsTotal);
        Assert.Equal(0, tunnel.BytesIngress);
        Assert.False(ingress.Connection.IsClosed);
    }

    [Fact]
    public async Task Forward_TenThousandAfterWarmUp_AllocatesNothing()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        egress.Connection.CaptureDatagrams = false;
        var datagram = Datagram(id, 1316);
        for (int i = 0; i < 100; i++)
        {
            ingress.Edge.SendDatagram(datagram);
        }

        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                ingress.Edge.SendDatagram(datagram);
            }
        });

        const long sent = 100 + (10_000 * AllocationMeter.TotalRounds);
        Assert.Equal(0, allocated);
        Assert.Equal(sent, egress.Connection.DatagramsSent);
        Assert.True(relay.Relay.Tunnels.TryGet(id, out var tunnel));
        Assert.Equal(sent, tunnel.UdpDatagramsTotal);
        Assert.Equal(sent * 1316, tunnel.BytesIngress);
    }

    [Fact]
    public async Task Forward_AfterUnbindIsNoPeer()
    {
        var (relay, ingress, egress, id) = await PairAsync();
        await using var _ = relay;
        await egress.SendAsync(EdgeClient.UnbindJson(id));
        await egress.PingAsync();
        ingress.Edge.SendDatagram(Datagram(id, 10));
        egress.Edge.SendDatagram(Datagram(id, 10));
        Assert.Equal(1, relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.NoPeer));
        Assert.Equal(1, relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.NotAMember));
    }
}
