using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

internal sealed partial class UdpBatchSocket
{
    // A burst of queued ICMP errors is consumed one per call; after this many the caller gets 0 and comes back
    // on the next readiness event instead of spinning here.
    private const int MaxSwallowedErrorsPerCall = 8;

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
