namespace BilbyRelay.Quic.Interop;

/// <summary>Linux x86_64 values of the libc constants the UDP layer uses (from the kernel and glibc headers).</summary>
internal static class LibcConstants
{
    // getauxval(3) and madvise(2).
    internal const ulong AT_PHDR = 3;
    internal const int MADV_DONTNEED = 4;

    // Address families and socket types.
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;

    // fcntl commands and flags.
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int FD_CLOEXEC = 1;
    internal const int O_NONBLOCK = 0x800;

    // Option levels.
    internal const int SOL_SOCKET = 1;
    internal const int IPPROTO_IP = 0;
    internal const int IPPROTO_UDP = 17;
    internal const int SOL_UDP = 17;
    internal const int IPPROTO_IPV6 = 41;

    // SOL_SOCKET options.
    internal const int SO_REUSEADDR = 2;
    internal const int SO_TYPE = 3;
    internal const int SO_SNDBUF = 7;
    internal const int SO_REUSEPORT = 15;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int SO_RCVBUFFORCE = 33;

    // IP options.
    internal const int IP_MTU_DISCOVER = 10;
    internal const int IP_PMTUDISC_PROBE = 3;
    internal const int IPV6_MTU_DISCOVER = 23;
    internal const int IPV6_PMTUDISC_PROBE = 3;
    internal const int IPV6_V6ONLY = 26;

    // UDP options.
    internal const int UDP_SEGMENT = 103;
    internal const int UDP_GRO = 104;

    // Message flags.
    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    // epoll and eventfd.
    // Netlink (interface address enumeration).
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int NETLINK_ROUTE = 0;
    internal const ushort RTM_NEWADDR = 20;
    internal const ushort RTM_GETADDR = 22;
    internal const ushort NLM_F_REQUEST = 0x1;
    internal const ushort NLM_F_DUMP = 0x300;
    internal const ushort NLMSG_ERROR = 2;
    internal const ushort NLMSG_DONE = 3;
    internal const ushort IFA_ADDRESS = 1;
    internal const ushort IFA_LOCAL = 2;

    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const int EFD_NONBLOCK = 0x800;
    internal const int EFD_CLOEXEC = 0x80000;

    // errno values.
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int EWOULDBLOCK = EAGAIN;
    internal const int EFAULT = 14;
    internal const int EINVAL = 22;
    internal const int ENOTSOCK = 88;
    internal const int EDESTADDRREQ = 89;
    internal const int EMSGSIZE = 90;
    internal const int ENOPROTOOPT = 92;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int EADDRINUSE = 98;
    internal const int ECONNREFUSED = 111;
}
