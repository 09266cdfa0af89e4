using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

// Why this exists and the choices it makes:
//
// * Batching. A QUIC endpoint moves one datagram per packet; Socket.ReceiveFrom/SendTo cost a syscall and
//   an EndPoint allocation per packet. Here one recvmmsg fills up to UdpReceiveBatch.Capacity (64 by default)
//   datagrams into pinned native buffers, and one sendmsg carries many packets to the same peer.
// * GSO. When the caller passes a segment size and the kernel supports UDP_SEGMENT (Linux 4.18+, probed once
//   at bind with getsockopt), a buffer of N equally sized packets (the last may be shorter) is handed to the
//   kernel in one sendmsg with a UDP_SEGMENT control message and leaves as N datagrams. At most 64 segments
//   and 65000 bytes go in one call (older kernels' UDP_MAX_SEGMENTS and the IP length limit); larger buffers
//   are split. If a GSO send fails with EIO (no checksum offload on the route's device) or EINVAL, GSO is
//   switched off for this socket for good and the same bytes go out through the fallback: sendmmsg with one
//   message per segment, which still costs one syscall per 64 datagrams.
// * Receive offload (UDP_GRO) is opt-in per socket (TryEnableReceiveOffload): the QUIC engine turns it on, and a
//   run of datagrams one peer sent with GSO (or that the NIC's GRO merged) arrives in one 64 KiB slot with its
//   segment size, which the engine splits again. The native UDP plane leaves it off: it forwards datagrams intact
//   and one by one, whatever their sizes.
// * Error policy. A server must not die because a peer vanished. Errors that describe the network or a peer
//   (ICMP-reported ECONNREFUSED/EHOSTUNREACH, ENETUNREACH, EPERM from a firewall, EMSGSIZE, ENOBUFS, ...) are
//   counted and the datagram is treated as lost — QUIC recovers lost packets. EAGAIN means "come back when
//   readable/writable" and is reported as 0 / a short count. EINTR is retried. Only errors that can only come
//   from a bug (EBADF, EFAULT, EINVAL outside GSO, ENOTSOCK, family mismatches) throw.
// * The socket sets IPV6_V6ONLY on IPv6 (one socket per family, no v4-mapped surprises) and
//   IP(V6)_PMTUDISC_PROBE, which sets the don't-fragment bit as RFC 9000 §14 asks without letting the kernel's
//   path-MTU cache reject QUIC's own MTU probes. Buffers ask for 4 MiB (forced when privileged, else capped by
//   net.core.[rw]mem_max).

/// <summary>
/// A non-blocking UDP socket with batched receive (<c>recvmmsg</c>) and segmented send (<c>sendmsg</c> + UDP GSO,
/// falling back to <c>sendmmsg</c>).
/// </summary>
/// <remarks>
/// Not thread-safe: one loop thread owns the socket and is the only caller of <see cref="ReceiveBatch"/>,
/// <see cref="Send"/> and <see cref="Dispose"/>. The counters may be read from other threads (torn reads are
/// impossible on 64-bit; values may be slightly stale). Dispose only after the loop stopped using
/// <see cref="Handle"/>: the descriptor number is reused by the kernel once closed.
/// </remarks>
internal sealed partial class UdpBatchSocket : IDisposable
{
    private const int RequestedBufferBytes = 4 * 1024 * 1024;

    private int _fd;
    private bool _gsoSupported;

    // Test hook: sends still to refuse as if the send buffer were full. On loopback the kernel releases send-buffer
    // memory as soon as a packet is handed over, so a real EAGAIN cannot be provoked there.
    private int _sendsToRefuse;
    private long _receiveErrorCount;
    private long _sendDropCount;
    private long _gsoSendCount;

    private UdpBatchSocket(int fd, AddressFamily addressFamily, IPEndPoint localEndPoint, bool gsoSupported)
    {
        _fd = fd;
        AddressFamily = addressFamily;
        LocalEndPoint = localEndPoint;
        _gsoSupported = gsoSupported;
    }

    ~UdpBatchSocket() => Close();

    /// <summary>The file descriptor, for registering with <see cref="EventLoopPoller"/>; -1 after disposal.</summary>
    public int Handle => Volatile.Read(ref _fd);

    /// <summary>The bound address, with the kernel-chosen port when bound to port 0.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/>.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>
    /// True while sends with a segment size use UDP GSO. Probed at bind; becomes false for good if the kernel
    /// rejects a GSO send (the fallback then sends one datagram per segment).
    /// </summary>
    public bool GsoSupported => _gsoSupported;

    /// <summary>Receive errors (e.g. ICMP-reported ECONNREFUSED) that were swallowed.</summary>
    public long ReceiveErrorCount => Volatile.Read(ref _receiveErrorCount);

    /// <summary>errno of the last swallowed receive error, 0 if none.</summary>
    public int LastReceiveError { get; private set; }

    /// <summary>Sends (single datagrams or GSO buffers) dropped because of a network error; their bytes count as consumed.</summary>
    public long SendDropCount => Volatile.Read(ref _sendDropCount);

    /// <summary>errno of the last dropped send, 0 if none.</summary>
    public int LastSendError { get; private set; }

    /// <summary>Kernel receive buffer size in bytes (as reported by getsockopt, i.e. doubled).</summary>
    public int ReceiveBufferSize => GetIntOption(LibcConstants.SOL_SOCKET, LibcConstants.SO_RCVBUF);

    /// <summary>Kernel send buffer size in bytes (as reported by getsockopt, i.e. doubled).</summary>
    public int SendBufferSize => GetIntOption(LibcConstants.SOL_SOCKET, LibcConstants.SO_SNDBUF);

    /// <summary>sendmsg calls that carried a UDP_SEGMENT control message.</summary>
    internal long GsoSendCount => Volatile.Read(ref _gsoSendCount);

    /// <summary>
    /// Creates a non-blocking, close-on-exec UDP socket bound to <paramref name="local"/> (port 0 picks a free port).
    /// With <paramref name="reusePort"/> several such sockets share one address and the kernel spreads peers over them
    /// by a hash of each peer's address and port (SO_REUSEPORT).
    /// </summary>
    /// <exception cref="UdpSocketException">socket, IPV6_V6ONLY, SO_REUSEPORT or bind failed; the message names the address.</exception>
    /// <param name="reuseAddress">Sets SO_REUSEADDR.</param>
    /// <param name="bufferBytes">Send and receive buffer sizes to ask for (forced when privileged, else capped by net.core.[rw]mem_max).</param>
    /// <param name="probePathMtu">Sets IP(V6)_PMTUDISC_PROBE for QUIC; false keeps the kernel's default, which fragments a
    /// datagram larger than the path MTU instead of refusing it (plain UDP relaying).</param>
    public static unsafe UdpBatchSocket Bind(IPEndPoint local, bool reusePort = false, bool reuseAddress = false, int bufferBytes = RequestedBufferBytes, bool probePathMtu = true)
    {
        ArgumentNullException.ThrowIfNull(local);
        Span<byte> address = stackalloc byte[SocketAddressCodec.MaxLength];
        var addressLength = SocketAddressCodec.Write(local, address);
        var family = local.AddressFamily;
        var isIPv6 = family == AddressFamily.InterNetworkV6;

        var fd = Libc.socket(
            isIPv6 ? LibcConstants.AF_INET6 : LibcConstants.AF_INET,
            LibcConstants.SOCK_DGRAM | LibcConstants.SOCK_NONBLOCK | LibcConstants.SOCK_CLOEXEC,
            LibcConstants.IPPROTO_UDP);
        if (fd < 0)
        {
            throw UdpSocketException.FromLastError("socket for", local.ToString());
        }

        try
        {
            if (isIPv6 && !TrySetIntOption(fd, LibcConstants.IPPROTO_IPV6, LibcConstants.IPV6_V6ONLY, 1))
            {
                throw UdpSocketException.FromLastError("setsockopt(IPV6_V6ONLY) for", local.ToString());
            }

            if (reuseAddress && !TrySetIntOption(fd, LibcConstants.SOL_SOCKET, LibcConstants.SO_REUSEADDR, 1))
            {
                throw UdpSocketException.FromLastError("setsockopt(SO_REUSEADDR) for", local.ToString());
            }

            if (reusePort && !TrySetIntOption(fd, LibcConstants.SOL_SOCKET, LibcConstants.SO_REUSEPORT, 1))
            {
                throw UdpSocketException.FromLastError("setsockopt(SO_REUSEPORT) for", local.ToString());
            }

            SetBufferSize(fd, LibcConstants.SO_RCVBUFFORCE, LibcConstants.SO_RCVBUF, bufferBytes);
            SetBufferSize(fd, LibcConstants.SO_SNDBUFFORCE, LibcConstants.SO_SNDBUF, bufferBytes);
            if (probePathMtu)
            {
                _ = isIPv6
                    ? TrySetIntOption(fd, LibcConstants.IPPROTO_IPV6, LibcConstants.IPV6_MTU_DISCOVER, LibcConstants.IPV6_PMTUDISC_PROBE)
                    : TrySetIntOption(fd, LibcConstants.IPPROTO_IP, LibcConstants.IP_MTU_DISCOVER, LibcConstants.IP_PMTUDISC_PROBE);
            }

            fixed (byte* addressPointer = address)
            {
                if (Libc.bind(fd, addressPointer, (uint)addressLength) != 0)
                {
                    throw UdpSocketException.FromLastError("bind", local.ToString());
                }
            }

            return new UdpBatchSocket(fd, family, GetLocalEndPoint(fd), ProbeGso(fd));
        }
        catch
        {
            _ = Libc.close(fd);
            throw;
        }
    }

    /// <summary>
    /// Binds <paramref name="count"/> sockets to one address, one per event loop. With more than one they share the
    /// address with SO_REUSEPORT and the kernel hashes each peer's address and port to one of them, so a given peer
    /// always reaches the same socket; a single socket is bound without the option, so another process cannot join
    /// it. The first socket fixes the port when <paramref name="local"/> asks for port 0. Any socket already bound
    /// is closed if a later one fails.
    /// </summary>
    /// <exception cref="UdpSocketException">A bind failed; the message names the address.</exception>
    public static UdpBatchSocket[] BindGroup(IPEndPoint local, int count, bool reuseAddress = false, int bufferBytes = RequestedBufferBytes, bool probePathMtu = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var shared = count > 1;
        var sockets = new UdpBatchSocket[count];
        var bound = 0;
        try
        {
            sockets[0] = Bind(local, shared, reuseAddress, bufferBytes, probePathMtu);
            for (bound = 1; bound < count; bound++)
            {
                sockets[bound] = Bind(sockets[0].LocalEndPoint, reusePort: true, reuseAddress, bufferBytes, probePathMtu);
            }

            return sockets;
        }
        catch
        {
            for (var i = 0; i < bound; i++)
            {
                sockets[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Takes over an already bound UDP socket, such as one systemd passes with socket activation: makes it
    /// non-blocking and close-on-exec and applies the path-MTU mode and (unless they are larger already) the buffer
    /// sizes <see cref="Bind"/> applies.
    /// IPV6_V6ONLY cannot change after bind, so an inherited IPv6 socket keeps whatever its creator chose.
    /// The socket belongs to the returned object from now on; if adoption fails it is closed.
    /// </summary>
    /// <param name="bufferBytes">Send and receive buffer sizes to raise smaller buffers to.</param>
    /// <param name="probePathMtu">As for <see cref="Bind"/>.</param>
    /// <exception cref="IOException">The descriptor is not an open, bound UDP socket; the message names it.</exception>
    public static UdpBatchSocket Adopt(int fd, int bufferBytes = RequestedBufferBytes, bool probePathMtu = true)
    {
        var name = $"inherited socket (descriptor {fd})";
        try
        {
            if (GetIntOption(fd, LibcConstants.SOL_SOCKET, LibcConstants.SO_TYPE, name) != LibcConstants.SOCK_DGRAM)
            {
                throw new IOException($"{name} is not a datagram (UDP) socket");
            }

            InheritedDescriptor.SetNonBlocking(fd);
            InheritedDescriptor.SetCloseOnExec(fd);
            var local = GetLocalEndPoint(fd);
            RaiseBufferSize(fd, LibcConstants.SO_RCVBUFFORCE, LibcConstants.SO_RCVBUF, bufferBytes, name);
            RaiseBufferSize(fd, LibcConstants.SO_SNDBUFFORCE, LibcConstants.SO_SNDBUF, bufferBytes, name);
            if (probePathMtu)
            {
                _ = local.AddressFamily == AddressFamily.InterNetworkV6
                    ? TrySetIntOption(fd, LibcConstants.IPPROTO_IPV6, LibcConstants.IPV6_MTU_DISCOVER, LibcConstants.IPV6_PMTUDISC_PROBE)
                    : TrySetIntOption(fd, LibcConstants.IPPROTO_IP, LibcConstants.IP_MTU_DISCOVER, LibcConstants.IP_PMTUDISC_PROBE);
            }

            return new UdpBatchSocket(fd, local.AddressFamily, local, ProbeGso(fd));
        }
        catch
        {
            _ = Libc.close(fd);
            throw;
        }
    }

    /// <summary>Turns GSO off as if the kernel had rejected it, so the fallback path runs. For tests and diagnostics.</summary>
    internal void DisableGso() => _gsoSupported = false;

    /// <summary>Makes the next <paramref name="sends"/> sends report a full send buffer (nothing consumed). For tests.</summary>
    internal void RefuseSends(int sends) => Volatile.Write(ref _sendsToRefuse, sends);

    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    private void Close()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = Libc.close(fd);
        }
    }

    private int CheckedHandle()
    {
        var fd = _fd;
        ObjectDisposedException.ThrowIf(fd < 0, this);
        return fd;
    }

    private int GetIntOption(int level, int name) => GetIntOption(CheckedHandle(), level, name, LocalEndPoint.ToString());

    private static unsafe int GetIntOption(int fd, int level, int name, string description)
    {
        var value = 0;
        var length = (uint)sizeof(int);
        if (Libc.getsockopt(fd, level, name, &value, &length) != 0)
        {
            throw UdpSocketException.FromLastError("getsockopt on", description);
        }

        return value;
    }

    private static unsafe bool TrySetIntOption(int fd, int level, int name, int value) =>
        Libc.setsockopt(fd, level, name, &value, sizeof(int)) == 0;

    // The forced variant ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN; either failing is harmless.
    private static void SetBufferSize(int fd, int forcedOption, int option, int bytes)
    {
        if (!TrySetIntOption(fd, LibcConstants.SOL_SOCKET, forcedOption, bytes))
        {
            _ = TrySetIntOption(fd, LibcConstants.SOL_SOCKET, option, bytes);
        }
    }

    // An inherited socket may come with buffers its creator forced beyond net.core.[rw]mem_max (systemd's
    // ReceiveBuffer=/SendBuffer=); asking again without the privilege to force would shrink them to that cap.
    private static void RaiseBufferSize(int fd, int forcedOption, int option, int bytes, string description)
    {
        // getsockopt reports twice the size asked for (the kernel's bookkeeping overhead).
        if (GetIntOption(fd, LibcConstants.SOL_SOCKET, option, description) < 2 * bytes)
        {
            SetBufferSize(fd, forcedOption, option, bytes);
        }
    }

    // getsockopt(UDP_SEGMENT) succeeds exactly on kernels that accept the UDP_SEGMENT control message.
    private static unsafe bool ProbeGso(int fd)
    {
        var value = 0;
        var length = (uint)sizeof(int);
        return Libc.getsockopt(fd, LibcConstants.SOL_UDP, LibcConstants.UDP_SEGMENT, &value, &length) == 0;
    }

    private static unsafe IPEndPoint GetLocalEndPoint(int fd)
    {
        sockaddr_storage storage = default;
        var length = (uint)sizeof(sockaddr_storage);
        if (Libc.getsockname(fd, (byte*)&storage, &length) != 0)
        {
            throw UdpSocketException.FromLastError("getsockname");
        }

        return SocketAddressCodec.Read(new ReadOnlySpan<byte>(&storage, (int)length));
    }

    // errno values that only a bug in this process can cause; everything else is the network's doing.
    private static bool IsProgrammingError(int errno) => errno is
        LibcConstants.EBADF or LibcConstants.EFAULT or LibcConstants.EINVAL or LibcConstants.ENOTSOCK
        or LibcConstants.EDESTADDRREQ or LibcConstants.EAFNOSUPPORT or LibcConstants.EOPNOTSUPP;

    private string Describe() => LocalEndPoint.ToString();

    private static int LastError() => Marshal.GetLastPInvokeError();
}
