using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

internal static partial class Libc
{
    /// <summary>
    /// malloc_trim(3): gives free memory of every malloc arena back to the OS (returns 1 if any was released).
    /// ngtcp2 and GnuTLS allocate per packet and per connection with malloc; glibc keeps what they free.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static partial int malloc_trim(nuint pad);
}
