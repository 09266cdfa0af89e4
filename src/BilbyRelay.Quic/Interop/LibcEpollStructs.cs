using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

/// <summary>
/// One epoll event. On x86_64 the kernel declares it <c>__attribute__((packed))</c>, so it is
/// 12 bytes with <see cref="data"/> at offset 4 — a naturally aligned 16-byte mirror corrupts every entry after the first.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct epoll_event
{
    internal uint events;

    /// <summary>The <c>epoll_data_t</c> union, used as u64.</summary>
    internal ulong data;
}
