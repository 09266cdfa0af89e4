using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

// C names are kept so each mirror can be checked against its header; some are all lower-case.
#pragma warning disable CS8981

/// <summary>Seconds and nanoseconds, 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct timespec
{
    internal long tv_sec;
    internal long tv_nsec;
}
