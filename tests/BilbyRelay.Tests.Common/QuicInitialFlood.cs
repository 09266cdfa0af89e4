using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.Tests.Common;

/// <summary>
/// A handshake flood: raw UDP sockets, one per source port, that send QUIC Initial-shaped datagrams to one address and
/// count what comes back by the first byte's long-header type bits.
/// </summary>
public sealed class QuicInitialFlood : IDisposable
{
    /// <summary>Header form and long-packet type bits of the first byte (RFC 9000 §17.2; the fixed bit is left out).</summary>
    public const byte LongHeaderTypeMask = 0xB0;

    /// <summary>A v1 Retry packet, masked with <see cref="LongHeaderTypeMask"/>.</summary>
    public const byte Retry = 0xB0;

    /// <summary>A v1 Initial packet (e.g. a CONNECTION_CLOSE), masked with <see cref="LongHeaderTypeMask"/>.</summary>
    public const byte Initial = 0x80;

    private readonly IPEndPoint _target;
    private readonly Socket[] _sockets;
    private readonly byte[] _reply = new byte[2048];

    public QuicInitialFlood(IPEndPoint target, int sockets)
    {
        _target = target;
        _sockets = new Socket[sockets];
        for (var i = 0; i < sockets; i++)
        {
            _sockets[i] = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
            _sockets[i].Bind(new IPEndPoint(target.Address, 0));
        }
    }

    /// <summary>A 1200-byte long-header Initial (QUIC v1) with random DCID/SCID, the token given and an undecryptable payload.</summary>
    public static byte[] Craft(Random random, byte[] token)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(token.Length, 63, nameof(token)); // a one-byte varint
        var packet = new byte[1200];
        random.NextBytes(packet);
        packet[0] = 0xC3;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(1), 1);
        var at = 5;
        packet[at++] = 16;
        at += 16;
        packet[at++] = 8;
        at += 8;
        packet[at++] = (byte)token.Length;
        token.CopyTo(packet.AsSpan(at));
        at += token.Length;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), (ushort)(0x4000 | (packet.Length - at - 2)));
        return packet;
    }

    /// <summary>Sends from socket <paramref name="socket"/> (modulo the number of sockets).</summary>
    public void Send(int socket, byte[] datagram) => _sockets[socket % _sockets.Length].SendTo(datagram, _target);

    /// <summary>Sends <paramref name="count"/> crafted Initials, each from the next socket.</summary>
    public void SendCrafted(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Send(i, Craft(Random.Shared, token: []));
        }
    }

    /// <summary>Reads every reply already queued on the sockets; counts those whose first byte, masked, is <paramref name="type"/>.</summary>
    public int CountReplies(byte type)
    {
        var matching = 0;
        foreach (var socket in _sockets)
        {
            while (socket.Available > 0)
            {
                var length = socket.Receive(_reply);
                if (length > 0 && (_reply[0] & LongHeaderTypeMask) == type)
                {
                    matching++;
                }
            }
        }

        return matching;
    }

    /// <summary>Counts replies of <paramref name="type"/> until there are at least <paramref name="minimum"/>; fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForRepliesAsync(byte type, int minimum, TimeSpan timeout)
    {
        var total = CountReplies(type);
        await Polling.UntilAsync(() => (total += CountReplies(type)) >= minimum, timeout, () => $"{total} replies of type 0x{type:x2}, expected {minimum}");
        return total;
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
