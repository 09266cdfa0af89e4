using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Relay;
using BilbyRelay.Core.Transport;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Splicing;

/// <summary>
/// Forwards one edge's QUIC datagrams (§1.4): <c>16-byte tunnel id | payload</c> goes, unchanged, to
/// the connection holding the other slot. Runs on the transport's thread for every datagram, so it
/// takes no lock, allocates nothing and never blocks; anything it cannot forward is dropped and
/// counted by <see cref="DatagramDropReason"/>.
/// </summary>
public sealed class DatagramForwarder
{
    private readonly TunnelTable _tunnels;
    private readonly RelayMetrics _metrics;
    private readonly EdgeSession _sender;

    public DatagramForwarder(TunnelTable tunnels, RelayMetrics metrics, EdgeSession sender)
    {
        _tunnels = tunnels;
        _metrics = metrics;
        _sender = sender;
    }

    /// <summary>The <see cref="Transport.EdgeDatagramHandler"/> for the sender's connection.</summary>
    public void Handle(ReadOnlySpan<byte> datagram) => Forward(datagram);

    /// <summary>Forwards or drops one datagram; returns whether it was handed to the peer.</summary>
    public bool Forward(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < RelayProtocol.DatagramPrefixLength)
        {
            return Drop(DatagramDropReason.TooShort);
        }

        if (!_tunnels.TryGet(TunnelId.FromBytes(datagram), out var tunnel))
        {
            return Drop(DatagramDropReason.UnknownTunnel);
        }

        if (!tunnel.TryGetSlotOf(_sender, out var from))
        {
            return Drop(DatagramDropReason.NotAMember);
        }

        var peer = tunnel.GetSlot(from.Opposite());
        if (peer is null)
        {
            return Drop(DatagramDropReason.NoPeer);
        }

        switch (peer.Connection.SendDatagram(datagram))
        {
            case DatagramSendResult.Queued:
                break;
            case DatagramSendResult.TooLarge:
                return Drop(DatagramDropReason.PeerTooLarge);
            case DatagramSendResult.Closed:
                return Drop(DatagramDropReason.PeerClosed);
            case DatagramSendResult.MemoryBudget:
                return Drop(DatagramDropReason.MemoryBudget);
            default:
                return Drop(DatagramDropReason.PeerQueueFull);
        }

        long payload = datagram.Length - RelayProtocol.DatagramPrefixLength;
        tunnel.AddDatagram();
        tunnel.AddBytesFrom(from, payload);
        _metrics.UdpDatagrams.Increment();
        (from == TunnelDirection.Ingress ? _metrics.BytesIngress : _metrics.BytesEgress).Add(payload);
        return true;
    }

    private bool Drop(DatagramDropReason reason)
    {
        _metrics.DatagramDropped(reason);
        return false;
    }
}
