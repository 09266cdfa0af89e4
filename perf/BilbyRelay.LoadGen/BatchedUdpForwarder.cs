using BilbyRelay.Quic.Udp;

namespace BilbyRelay.LoadGen;

/// <summary>
/// <c>udp-forwarder --batched</c>: the floor of a batched user-space UDP forwarder on this host. It does what the
/// relay's native plane does with the kernel (epoll, <c>recvmmsg</c> of 32, one <c>sendmmsg</c> per batch with
/// consecutive equal datagrams coalesced into a UDP GSO send, through the relay's own socket layer) and nothing else:
/// no registers, no session table, no counters. The first two source addresses it sees are the two ends. The relay's
/// CPU per datagram over this one's is what the relay's logic costs; this one's own figure is what the kernel costs.
/// </summary>
public static class BatchedUdpForwarder
{
    private const int BatchCapacity = 32;

    /// <summary>Forwards until <paramref name="stop"/>; <paramref name="bound"/> learns the bound address first.</summary>
    public static int Run(System.Net.IPEndPoint listen, Action<System.Net.IPEndPoint> bound, CancellationToken stop)
    {
        using var socket = UdpBatchSocket.Bind(listen, probePathMtu: false);
        using var poller = new EventLoopPoller();
        using var receive = new UdpReceiveBatch(BatchCapacity, UdpReceiveBatch.MaxBufferSize);
        using var send = new UdpSendBatch(BatchCapacity);
        using var wake = stop.UnsafeRegister(static state => ((EventLoopPoller)state!).Wake(), poller);
        poller.Register(socket.Handle);
        bound(socket.LocalEndPoint);

        var first = new byte[SocketAddressCodec.MaxLength];
        var second = new byte[SocketAddressCodec.MaxLength];
        int firstLength = 0, secondLength = 0;
        Span<PollEvent> events = stackalloc PollEvent[4];
        while (!stop.IsCancellationRequested)
        {
            poller.Wait(-1, events);
            int count;
            while ((count = socket.ReceiveBatch(receive)) > 0)
            {
                for (var i = 0; i < count; i++)
                {
                    var from = receive.SourceAddress(i);
                    if (firstLength == 0 || from.SequenceEqual(first.AsSpan(0, firstLength)))
                    {
                        firstLength = Remember(from, first);
                        if (secondLength > 0)
                        {
                            send.Add(receive, i, second.AsSpan(0, secondLength), coalesce: socket.GsoSupported);
                        }
                    }
                    else
                    {
                        if (secondLength == 0)
                        {
                            secondLength = Remember(from, second);
                        }

                        if (from.SequenceEqual(second.AsSpan(0, secondLength)))
                        {
                            send.Add(receive, i, first.AsSpan(0, firstLength), coalesce: socket.GsoSupported);
                        }
                    }
                }

                // The sends point into the receive buffers: they leave (and the batch empties) before the next receive.
                if (send.Count > 0)
                {
                    socket.SendBatch(send, out _, out _);
                }
            }
        }

        return 0;
    }

    private static int Remember(ReadOnlySpan<byte> address, byte[] into)
    {
        address.CopyTo(into);
        return address.Length;
    }
}
