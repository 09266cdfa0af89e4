using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static unsafe partial class Libc
{
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int close(int fd);

    /// <summary>
    /// The integer-argument form of the variadic fcntl (F_GETFD/F_SETFD/F_GETFL/F_SETFL). On the Linux x86-64 and
    /// arm64 calling conventions a variadic int travels exactly like a fixed one.
    /// </summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);
}
