using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static unsafe partial class Libc
{
    /// <summary>
    /// malloc_trim(3): gives free memory of every malloc arena back to the OS (returns 1 if any was released).
    /// ngtcp2 and GnuTLS allocate per packet and per connection with malloc; glibc keeps what they free.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial int malloc_trim(nuint pad);

    /// <summary>getauxval(3): a value the kernel passed in the auxiliary vector (0 when absent).</summary>
    [LibraryImport(LibraryName)]
    internal static partial nuint getauxval(ulong type);

    /// <summary>madvise(2) on a page-aligned range; returns 0 or -1 with errno.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int madvise(void* address, nuint length, int advice);
}
