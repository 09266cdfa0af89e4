using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static unsafe partial class Libc
{
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int epoll_create1(int flags);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int epoll_ctl(int epfd, int op, int fd, epoll_event* @event);

    /// <summary>Returns the number of ready events, 0 on timeout, or -1 with errno set (EINTR included).</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int epoll_wait(int epfd, epoll_event* events, int maxevents, int timeout);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int eventfd(uint initval, int flags);
}
