namespace BilbyRelay.Quic.Interop;

/// <summary>
/// Raw glibc imports used by the UDP I/O layer. C names and C types are kept so each
/// declaration can be checked against its man page.
/// </summary>
/// <remarks>
/// Under the JIT the runtime maps "libc" to the platform C library (libc.so.6 on glibc); the
/// Native AOT binary binds these imports at link time (DirectPInvoke in NativeLinking.targets). Every import that can fail sets
/// <c>SetLastError</c>; read errno with <see cref="System.Runtime.InteropServices.Marshal.GetLastPInvokeError"/>
/// immediately after the call.
/// </remarks>
internal static unsafe partial class Libc
{
    internal const string LibraryName = "libc";
}
