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
}
