using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

internal sealed partial class UdpBatchSocket
{
    /// <summary>Segments per GSO sendmsg; UDP_MAX_SEGMENTS is 64 on older kernels.</summary>
    internal const int MaxGsoSegments = 64;

    /// <summary>Bytes per GSO sendmsg; keeps the IPv4 and IPv6 datagram under the 16-bit IP length limit.</summary>
    internal const int MaxGsoBytes = 65000;

    /// <summary>Datagrams per sendmmsg in the fallback path.</summary>
    internal const int MaxFallbackBatch = 64;

    // CMSG_SPACE(sizeof(ushort)) on x86_64: a 16-byte cmsghdr plus the value padded to 8.
    private const int GsoControlSpace = 24;

    // CMSG_LEN(sizeof(ushort)).
    private const int GsoControlLength = 18;

    /// <summary>
    /// Sends <paramref name="payload"/> to <paramref name="destinationSockaddr"/> without blocking.
    /// </summary>
    /// <param name="payload">One datagram, or — with <paramref name="gsoSegmentSize"/> — back-to-back datagrams of
    /// exactly <paramref name="gsoSegmentSize"/> bytes each except the last, which may be shorter.</param>
    /// <param name="destinationSockaddr">A raw sockaddr of this socket's family (see <see cref="SocketAddressCodec"/>).</param>
    /// <param name="gsoSegmentSize">0 to send <paramref name="payload"/> as one datagram; otherwise the datagram size
    /// to split it into (with UDP GSO when <see cref="GsoSupported"/>, else one datagram per segment).</param>
    /// <returns>
    /// Bytes consumed: always whole segments from the start of <paramref name="payload"/>. Consumed bytes were
    /// either accepted by the kernel or dropped because of a network error (counted in <see cref="SendDropCount"/>;
    /// QUIC treats them as lost). Less than <c>payload.Length</c> — possibly 0 — means the send buffer is full
    /// (EAGAIN): keep the rest and retry when <see cref="EventLoopPoller"/> reports the socket writable.
    /// </returns>
    /// <exception cref="ArgumentException">Empty payload, a destination of the wrong family, or a segment size
    /// outside 0..65535.</exception>
    /// <exception cref="UdpSocketException">Only for errors a bug causes (EBADF, EFAULT, EINVAL outside GSO, ...).</exception>
    public unsafe int Send(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> destinationSockaddr, int gsoSegmentSize)
    {
        if (payload.IsEmpty)
        {
            throw new ArgumentException("An empty datagram cannot be told apart from a full send buffer.", nameof(payload));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(gsoSegmentSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gsoSegmentSize, ushort.MaxValue);
        var destinationLength = CheckDestination(destinationSockaddr);
        var fd = CheckedHandle();
        if (Volatile.Read(ref _sendsToRefuse) > 0 && Interlocked.Decrement(ref _sendsToRefuse) >= 0)
        {
            return 0;
        }

        fixed (byte* data = payload)
        fixed (byte* destination = destinationSockaddr)
        {
            if (gsoSegmentSize == 0 || payload.Length <= gsoSegmentSize)
            {
                return SendOne(fd, data, payload.Length, destination, destinationLength);
            }

            var consumed = 0;
            if (_gsoSupported && gsoSegmentSize * 2 <= MaxGsoBytes)
            {
                consumed = SendWithGso(fd, data, payload.Length, destination, destinationLength, gsoSegmentSize);
                if (consumed == payload.Length || _gsoSupported)
                {
                    // Everything went, or the send buffer filled up: either way the caller decides what is next.
                    return consumed;
                }
            }

            // GSO is unavailable or was just switched off: send the remainder one datagram per segment.
            return consumed + SendSegments(
                fd, data + consumed, payload.Length - consumed, destination, destinationLength, gsoSegmentSize);
        }
    }

    private int CheckDestination(ReadOnlySpan<byte> destinationSockaddr)
    {
        var family = SocketAddressCodec.GetFamily(destinationSockaddr);
        if (family != AddressFamily)
        {
            throw new ArgumentException(
                $"Destination is a {family} sockaddr but the socket is {AddressFamily}.", nameof(destinationSockaddr));
        }

        return family == AddressFamily.InterNetwork ? SocketAddressCodec.IPv4Length : SocketAddressCodec.IPv6Length;
    }

    [SkipLocalsInit]
    private unsafe int SendOne(int fd, byte* data, int length, byte* destination, int destinationLength)
    {
        var vector = new iovec { iov_base = data, iov_len = (nuint)length };
        var message = new msghdr
        {
            msg_name = destination,
            msg_namelen = (uint)destinationLength,
            msg_iov = &vector,
            msg_iovlen = 1,
        };

        while (true)
        {
            if (Libc.sendmsg(fd, &message, 0) >= 0)
            {
                return length;
            }

            var errno = LastError();
            if (errno == LibcConstants.EINTR)
            {
                continue;
            }

            if (errno == LibcConstants.EAGAIN)
            {
                return 0;
            }

            ThrowIfProgrammingError("sendmsg", errno);
            CountDrop(errno);
            return length;
        }
    }

    // Returns bytes consumed. Stops early on EAGAIN (GSO still on) or when the kernel rejects GSO (GSO now off).
    [SkipLocalsInit]
    private unsafe int SendWithGso(int fd, byte* data, int length, byte* destination, int destinationLength, int segmentSize)
    {
        var segmentsPerCall = Math.Min(MaxGsoSegments, MaxGsoBytes / segmentSize);
        var bytesPerCall = segmentsPerCall * segmentSize;

        var control = stackalloc ulong[GsoControlSpace / sizeof(ulong)];
        var header = (cmsghdr*)control;
        header->cmsg_len = GsoControlLength;
        header->cmsg_level = LibcConstants.SOL_UDP;
        header->cmsg_type = LibcConstants.UDP_SEGMENT;
        *(ushort*)((byte*)control + sizeof(cmsghdr)) = (ushort)segmentSize;

        var vector = new iovec();
        var message = new msghdr
        {
            msg_name = destination,
            msg_namelen = (uint)destinationLength,
            msg_iov = &vector,
            msg_iovlen = 1,
            msg_control = control,
            msg_controllen = GsoControlSpace,
        };

        var consumed = 0;
        while (consumed < length)
        {
            var chunk = Math.Min(bytesPerCall, length - consumed);
            vector.iov_base = data + consumed;
            vector.iov_len = (nuint)chunk;
            if (Libc.sendmsg(fd, &message, 0) >= 0)
            {
                _gsoSendCount++;
                consumed += chunk;
                continue;
            }

            var errno = LastError();
            switch (errno)
            {
                case LibcConstants.EINTR:
                    continue;
                case LibcConstants.EAGAIN:
                    return consumed;
                case LibcConstants.EIO or LibcConstants.EINVAL:
                    // EIO: the route's device cannot checksum-offload; EINVAL: the kernel refuses this segmentation.
                    _gsoSupported = false;
                    return consumed;
                default:
                    ThrowIfProgrammingError("sendmsg(UDP_SEGMENT)", errno);
                    CountDrop(errno);
                    consumed += chunk;
                    break;
            }
        }

        return consumed;
    }

    // One message per segment, up to MaxFallbackBatch per sendmmsg. Returns bytes consumed; short on EAGAIN.
    [SkipLocalsInit]
    private unsafe int SendSegments(int fd, byte* data, int length, byte* destination, int destinationLength, int segmentSize)
    {
        var messages = stackalloc mmsghdr[MaxFallbackBatch];
        var vectors = stackalloc iovec[MaxFallbackBatch];

        var consumed = 0;
        while (consumed < length)
        {
            var count = 0;
            for (var offset = consumed; count < MaxFallbackBatch && offset < length; count++)
            {
                var segment = Math.Min(segmentSize, length - offset);
                vectors[count] = new iovec { iov_base = data + offset, iov_len = (nuint)segment };
                messages[count] = new mmsghdr
                {
                    msg_hdr = new msghdr
                    {
                        msg_name = destination,
                        msg_namelen = (uint)destinationLength,
                        msg_iov = &vectors[count],
                        msg_iovlen = 1,
                    },
                };
                offset += segment;
            }

            var sent = Libc.sendmmsg(fd, messages, (uint)count, 0);
            if (sent > 0)
            {
                for (var i = 0; i < sent; i++)
                {
                    consumed += (int)vectors[i].iov_len;
                }

                continue;
            }

            var errno = sent == 0 ? LibcConstants.EAGAIN : LastError();
            switch (errno)
            {
                case LibcConstants.EINTR:
                    continue;
                case LibcConstants.EAGAIN:
                    return consumed;
                default:
                    // The first message failed; sendmmsg reports errors only for the first unsent message.
                    ThrowIfProgrammingError("sendmmsg", errno);
                    CountDrop(errno);
                    consumed += (int)vectors[0].iov_len;
                    break;
            }
        }

        return consumed;
    }

    /// <summary>
    /// Sends every datagram queued in <paramref name="batch"/> with as few <c>sendmmsg</c> calls as the kernel allows,
    /// then clears the batch. Nothing is queued or retried: a datagram the kernel refuses (full buffer, unreachable,
    /// ...) is dropped and counted in <paramref name="failed"/> (network errors also in <see cref="SendDropCount"/>).
    /// A coalesced message the kernel cannot segment (EINVAL: a route whose MTU is smaller than the segment; EIO: a
    /// device without checksum offload, after which GSO is off for this socket) goes out one datagram at a time.
    /// </summary>
    /// <returns>Datagrams the kernel accepted; <paramref name="sentBytes"/> is their total length.</returns>
    /// <exception cref="UdpSocketException">Only for errors a bug causes (EBADF, EFAULT, ...).</exception>
    public unsafe int SendBatch(UdpSendBatch batch, out long sentBytes, out int failed)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var fd = CheckedHandle();
        var headers = batch.Headers;
        var count = batch.MessageCount;
        var next = 0;
        var sent = 0;
        sentBytes = 0;
        failed = 0;
        try
        {
            while (next < count)
            {
                var result = Libc.sendmmsg(fd, headers + next, (uint)(count - next), 0);
                if (result > 0)
                {
                    for (var i = next; i < next + result; i++)
                    {
                        sent += batch.SegmentsOf(i);
                        sentBytes += batch.BytesOf(i);
                        if (batch.SegmentsOf(i) > 1)
                        {
                            _gsoSendCount++;
                        }
                    }

                    next += result;
                    continue;
                }

                var errno = result == 0 ? LibcConstants.EAGAIN : LastError();
                if (errno == LibcConstants.EINTR)
                {
                    continue;
                }

                if (errno == LibcConstants.EAGAIN)
                {
                    // A full send buffer: the rest of this batch is dropped, never queued.
                    for (var i = next; i < count; i++)
                    {
                        failed += batch.SegmentsOf(i);
                    }

                    return sent;
                }

                if (batch.SegmentsOf(next) > 1 && errno is LibcConstants.EIO or LibcConstants.EINVAL)
                {
                    if (errno == LibcConstants.EIO)
                    {
                        _gsoSupported = false;
                    }

                    SendSegmentsSeparately(fd, ref headers[next].msg_hdr, batch.SegmentsOf(next), ref sent, ref sentBytes, ref failed);
                    next++;
                    continue;
                }

                // sendmmsg reports an error only for the first unsent message: drop that one and go on.
                ThrowIfProgrammingError("sendmmsg", errno);
                CountDrop(errno);
                failed += batch.SegmentsOf(next);
                next++;
            }

            return sent;
        }
        finally
        {
            batch.Clear();
        }
    }

    // The datagrams of a coalesced message, one sendmsg each.
    private unsafe void SendSegmentsSeparately(int fd, ref msghdr message, int segments, ref int sent, ref long sentBytes, ref int failed)
    {
        for (var i = 0; i < segments; i++)
        {
            var vector = message.msg_iov[i];
            var dropsBefore = SendDropCount;
            if (SendOne(fd, (byte*)vector.iov_base, (int)vector.iov_len, (byte*)message.msg_name, (int)message.msg_namelen) == (int)vector.iov_len
                && SendDropCount == dropsBefore)
            {
                sent++;
                sentBytes += (long)vector.iov_len;
            }
            else
            {
                failed++;
            }
        }
    }

    /// <summary>Sends one datagram; true when the kernel accepted it, false when it was refused (and dropped).</summary>
    public unsafe bool TrySendDatagram(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> destinationSockaddr)
    {
        var dropsBefore = SendDropCount;
        return Send(payload, destinationSockaddr, gsoSegmentSize: 0) == payload.Length && SendDropCount == dropsBefore;
    }

    private void ThrowIfProgrammingError(string operation, int errno)
    {
        if (IsProgrammingError(errno))
        {
            throw new UdpSocketException(operation + " on", Describe(), errno);
        }
    }

    private void CountDrop(int errno)
    {
        Interlocked.Increment(ref _sendDropCount);
        LastSendError = errno;
    }
}
