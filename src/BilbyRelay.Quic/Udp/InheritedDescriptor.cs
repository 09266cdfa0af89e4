using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Descriptor flags for sockets a process inherits (systemd socket activation): they arrive without
/// close-on-exec and, depending on the socket unit, blocking.
/// </summary>
internal static class InheritedDescriptor
{
    /// <summary>Sets FD_CLOEXEC, so the descriptor does not leak into programs this process might start.</summary>
    /// <exception cref="UdpSocketException">fcntl failed (typically EBADF: nothing is open at that number).</exception>
    public static void SetCloseOnExec(int fd)
    {
        var flags = Libc.fcntl(fd, LibcConstants.F_GETFD, 0);
        if (flags < 0 || Libc.fcntl(fd, LibcConstants.F_SETFD, flags | LibcConstants.FD_CLOEXEC) != 0)
        {
            throw UdpSocketException.FromLastError("fcntl(FD_CLOEXEC) on inherited descriptor", fd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Sets O_NONBLOCK: the event loop must never block in recvmmsg or sendmsg.</summary>
    public static void SetNonBlocking(int fd)
    {
        var flags = Libc.fcntl(fd, LibcConstants.F_GETFL, 0);
        if (flags < 0 || Libc.fcntl(fd, LibcConstants.F_SETFL, flags | LibcConstants.O_NONBLOCK) != 0)
        {
            throw UdpSocketException.FromLastError("fcntl(O_NONBLOCK) on inherited descriptor", fd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
