using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

internal sealed partial class UdpBatchSocket
{
    // A burst of queued ICMP errors is consumed one per call; after this many the caller gets 0 and comes back
    // on the next readiness event instead of spinning here.
    private const int MaxSwallowedErrorsPerCall = 8;

    /// <summary>
    /// Asks the kernel to hand over runs of consecutive datagrams from one sender as one buffer (UDP_GRO, Linux 5.0+),
    /// which a receive batch made with <c>receiveOffload</c> splits again (<see cref="UdpReceiveBatch.SegmentSize"/>):
    /// a peer's GSO burst then costs one slot and one trip through the stack instead of one per datagram. False when
    /// the kernel does not offer it; receiving then works as before.
    /// </summary>
    public bool TryEnableReceiveOffload() => TrySetIntOption(CheckedHandle(), LibcConstants.SOL_UDP, LibcConstants.UDP_GRO, 1);

    /// <summary>
    /// Receives up to <see cref="UdpReceiveBatch.Capacity"/> datagrams without blocking (one <c>recvmmsg</c>).
    /// </summary>
    /// <returns>The number of datagrams now described by <paramref name="batch"/>; 0 when none is queued.</returns>
    /// <remarks>
    /// EINTR is retried. Errors the network reports (an ICMP port-unreachable becomes ECONNREFUSED, etc.) are
    /// counted in <see cref="ReceiveErrorCount"/> and swallowed — the kernel clears them when it reports them.
    /// </remarks>
    /// <exception cref="UdpSocketException">Only for errors a bug causes (EBADF, EFAULT, EINVAL, ...).</exception>
    public unsafe int ReceiveBatch(UdpReceiveBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var fd = CheckedHandle();
        var headers = batch.PrepareForReceive();
        var swallowed = 0;
        while (true)
        {
            var received = Libc.recvmmsg(fd, headers, (uint)batch.Capacity, LibcConstants.MSG_DONTWAIT, null);
            if (received >= 0)
            {
                batch.Complete(received);
                return received;
            }

            var errno = LastError();
            if (errno == LibcConstants.EINTR)
            {
                continue;
            }

            if (errno == LibcConstants.EAGAIN)
            {
                batch.Complete(0);
                return 0;
            }

            if (IsProgrammingError(errno))
            {
                batch.Complete(0);
                throw new UdpSocketException("recvmmsg on", Describe(), errno);
            }

            Interlocked.Increment(ref _receiveErrorCount);
            LastReceiveError = errno;
            if (++swallowed >= MaxSwallowedErrorsPerCall)
            {
                batch.Complete(0);
                return 0;
            }
        }
    }
}
