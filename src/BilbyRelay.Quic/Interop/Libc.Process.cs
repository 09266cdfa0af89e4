using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static partial class Libc
{
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int kill(int pid, int sig);
}
