using BilbyRelay.Core.Metrics;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>
/// PROTOCOL.md §1.4 over real QUIC: datagrams forwarded whole, and every kind of undeliverable
/// datagram dropped and counted by reason. Datagrams from one connection are handled in the order
/// they arrive, so a valid datagram that reaches its peer proves the relay already handled the ones
/// its sender sent before it.
/// </summary>
public sealed class DatagramTunnelTests : IAsyncLifetime
{
    // Fits the smallest path QUIC allows (1200-byte UDP payloads), so it never waits for path MTU discovery.
    private const int PayloadLength = 1100;

    // An SRT packet as edges carry it: 1316-byte payload, 1332-byte datagram with the prefix.
    private const int MediaPayloadLength = 1316;

    private InProcessRelay _relay = null!;

    public async Task InitializeAsync() => _relay = await InProcessRelay.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Datagram_BothWays_ArrivesUnchangedWithPrefixAndIsCounted()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        var fromIngress = TestPayload.Bytes(10, PayloadLength);
        var fromEgress = TestPayload.Bytes(11, PayloadLength);

        Assert.True(pair.Ingress.SendDatagram(pair.TunnelId, fromIngress));
        var atEgress = await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token());
        Assert.True(pair.Egress.SendDatagram(pair.TunnelId, fromEgress));
        var atIngress = await pair.Ingress.Datagrams.ReadAsync(TestTimeouts.Token());

        Assert.Equal(Datagram(pair.TunnelId, fromIngress), atEgress);
        Assert.Equal(Datagram(pair.TunnelId, fromEgress), atIngress);
        var stats = Assert.Single(_relay.Relay.ListTunnels()).Stats;
        Assert.Equal(2, stats.UdpDatagramsTotal);
        Assert.Equal(PayloadLength, stats.BytesIngress);
        Assert.Equal(PayloadLength, stats.BytesEgress);
        Assert.Equal(2, _relay.Relay.Metrics.UdpDatagrams.Value);
    }

    [Fact]
    public async Task Datagram_MediaSized_ArrivesUnchangedOncePathMtuAllows()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        var payload = TestPayload.Bytes(12, MediaPayloadLength);
        var expected = Datagram(pair.TunnelId, payload);

        // Path MTU discovery raises each connection's datagram limit a few round trips after the
        // handshake. Until the relay's own side has it too, the relay drops the datagram (counted as
        // peer_queue_full), so send until one arrives; round trips on the control stream pace the retries.
        byte[]? received = null;
        for (int attempt = 0; attempt < 200 && received is null; attempt++)
        {
            await pair.Ingress.ExpectPongAsync();
            await pair.Egress.ExpectPongAsync();
            if (pair.Ingress.Connection.MaxDatagramSize < expected.Length || pair.Egress.Connection.MaxDatagramSize < expected.Length)
            {
                continue;
            }

            // The relay handled the datagram before answering the ping sent after it, and sent the
            // egress edge its copy before the pong that follows.
            Assert.True(pair.Ingress.SendDatagram(pair.TunnelId, payload));
            await pair.Ingress.ExpectPongAsync();
            await pair.Egress.ExpectPongAsync();
            pair.Egress.Datagrams.TryRead(out received);
        }

        Assert.True(received is not null, $"no datagram arrived: edge limits {pair.Ingress.Connection.MaxDatagramSize}/{pair.Egress.Connection.MaxDatagramSize}, relay drops peer_queue_full={_relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.PeerQueueFull)}, ingress sent={pair.Ingress.Connection.DatagramsSent} dropped={pair.Ingress.Connection.DatagramsDropped}, egress received={pair.Egress.Connection.DatagramsReceived}");
        Assert.Equal(expected, received);
        Assert.Equal(0, _relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.TooShort));
    }

    [Fact]
    public async Task Datagram_ShorterThanPrefix_DroppedAsTooShort()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");

        Assert.True(pair.Ingress.SendRawDatagram(new byte[15]));
        await AssertForwardsAsync(pair, seed: 20);

        Assert.Equal(1, _relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.TooShort));
        Assert.Equal(1, _relay.Relay.Metrics.UdpDatagrams.Value);
    }

    [Fact]
    public async Task Datagram_UnknownTunnel_DroppedAsUnknownTunnel()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");

        Assert.True(pair.Ingress.SendDatagram(Guid.NewGuid(), TestPayload.Bytes(21, 100)));
        await AssertForwardsAsync(pair, seed: 22);

        Assert.Equal(1, _relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.UnknownTunnel));
    }

    [Fact]
    public async Task Datagram_FromNonMember_DroppedAsNotAMemberAndNotDelivered()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        await using var outsiders = await TunnelPair.BindAsync(_relay.Endpoint, "udp");

        // An edge bound to another tunnel tries to inject into the pair's tunnel.
        Assert.True(outsiders.Ingress.SendDatagram(pair.TunnelId, TestPayload.Bytes(23, 100)));
        await AssertForwardsAsync(outsiders, seed: 24);

        Assert.Equal(1, _relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.NotAMember));
        await AssertForwardsAsync(pair, seed: 25);
    }

    [Fact]
    public async Task Datagram_NoPeerBound_DroppedAsNoPeer()
    {
        await using var pair = await TunnelPair.BindAsync(_relay.Endpoint, "udp");
        var lonely = Guid.NewGuid();
        await pair.Ingress.BindAsync(lonely, "ingress", "udp");
        await pair.Ingress.ExpectControlAsync("tunnel_waiting", lonely);

        Assert.True(pair.Ingress.SendDatagram(lonely, TestPayload.Bytes(26, 100)));
        await AssertForwardsAsync(pair, seed: 27);

        Assert.Equal(1, _relay.Relay.Metrics.GetDatagramDrops(DatagramDropReason.NoPeer));
        Assert.Equal(0, _relay.Relay.ListTunnels().Single(t => t.TunnelId == lonely.ToString("D")).Stats.UdpDatagramsTotal);
    }

    /// <summary>A valid datagram from the ingress edge arrives, and it is the first the egress edge received.</summary>
    private static async Task AssertForwardsAsync(TunnelPair pair, int seed)
    {
        var payload = TestPayload.Bytes(seed, PayloadLength);
        Assert.True(pair.Ingress.SendDatagram(pair.TunnelId, payload));
        var received = await pair.Egress.Datagrams.ReadAsync(TestTimeouts.Token());
        Assert.Equal(Datagram(pair.TunnelId, payload), received);
    }

    private static byte[] Datagram(Guid tunnelId, byte[] payload)
    {
        var datagram = new byte[16 + payload.Length];
        Assert.True(tunnelId.TryWriteBytes(datagram, bigEndian: true, out _));
        payload.CopyTo(datagram, 16);
        return datagram;
    }
}
