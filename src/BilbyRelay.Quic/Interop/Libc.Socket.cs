using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static unsafe partial class Libc
{
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bind(int sockfd, byte* addr, uint addrlen);

    /// <summary>Fixes a UDP socket's default peer; the kernel then reports ICMP errors from that peer on receive.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int connect(int sockfd, byte* addr, uint addrlen);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int getsockname(int sockfd, byte* addr, uint* addrlen);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int setsockopt(int sockfd, int level, int optname, void* optval, uint optlen);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int getsockopt(int sockfd, int level, int optname, void* optval, uint* optlen);

    /// <summary>Returns the number of messages received, or -1 with errno set.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int recvmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags, timespec* timeout);

    /// <summary>Returns the number of bytes sent, or -1 with errno set.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint sendmsg(int sockfd, msghdr* msg, int flags);

    /// <summary>Returns the number of messages sent, or -1 with errno set when none was sent.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int sendmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint send(int sockfd, void* buf, nuint len, int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint recv(int sockfd, void* buf, nuint len, int flags);
}
