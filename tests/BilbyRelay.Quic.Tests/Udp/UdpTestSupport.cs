using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

/// <summary>Helpers shared by the UDP tests: loopback sockets and event-driven (never sleeping) receive.</summary>
internal static class UdpTestSupport
{
    /// <summary>Upper bound for waiting on loopback delivery; only reached when a test is failing.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static UdpBatchSocket BindLoopbackV4() => UdpBatchSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public static UdpBatchSocket BindLoopbackV6() => UdpBatchSocket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));

    public static byte[] Sockaddr(IPEndPoint endPoint)
    {
        var buffer = new byte[SocketAddressCodec.MaxLength];
        return buffer[..SocketAddressCodec.Write(endPoint, buffer)];
    }

    /// <summary>A deterministic payload whose bytes depend on its index, so any mix-up shows.</summary>
    public static byte[] Pattern(int index, int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)((index * 31) + (i * 7) + 1);
        }

        return payload;
    }

    /// <summary>A received datagram copied out of the batch.</summary>
    public sealed record Datagram(byte[] Payload, IPEndPoint Source, bool Truncated, int SegmentSize);

    /// <summary>
    /// Receives until <paramref name="expected"/> datagrams arrived, waiting on epoll readiness between batches;
    /// gives up after <see cref="Patience"/> and returns what arrived.
    /// </summary>
    public static List<Datagram> ReceiveAtLeast(UdpBatchSocket socket, UdpReceiveBatch batch, int expected)
    {
        var received = new List<Datagram>();
        using var poller = new EventLoopPoller();
        poller.Register(socket.Handle);
        var events = new PollEvent[4];
        var clock = Stopwatch.StartNew();
        while (received.Count < expected && clock.Elapsed < Patience)
        {
            var count = socket.ReceiveBatch(batch);
            for (var i = 0; i < count; i++)
            {
                received.Add(new Datagram(
                    batch.Payload(i).ToArray(),
                    SocketAddressCodec.Read(batch.SourceAddress(i)),
                    batch.IsTruncated(i),
                    batch.SegmentSize(i)));
            }

            if (count == 0)
            {
                var remaining = Patience - clock.Elapsed;
                _ = poller.Wait(Math.Max(1, (int)remaining.TotalMilliseconds), events);
            }
        }

        return received;
    }

    // A blocking, inheritable socket bound to loopback that no object owns, like one a parent process passed.
    public static unsafe int DetachedDescriptor(SocketType type, ProtocolType protocol, out IPEndPoint bound)
    {
        var fd = Libc.socket(LibcConstants.AF_INET, (int)type, (int)protocol);
        Assert.True(fd >= 0);
        Span<byte> address = stackalloc byte[SocketAddressCodec.MaxLength];
        var length = SocketAddressCodec.Write(new IPEndPoint(IPAddress.Loopback, 0), address);
        fixed (byte* pointer = address)
        {
            Assert.Equal(0, Libc.bind(fd, pointer, (uint)length));
            var actual = (uint)address.Length;
            Assert.Equal(0, Libc.getsockname(fd, pointer, &actual));
            bound = SocketAddressCodec.Read(address[..(int)actual]);
        }

        return fd;
    }
}
