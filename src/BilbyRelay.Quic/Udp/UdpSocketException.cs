using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Udp;

/// <summary>A libc socket call failed. Carries the errno; the message names the call, the address and the error text.</summary>
internal sealed class UdpSocketException : IOException
{
    public UdpSocketException(string operation, string? address, int errno)
        : base(FormatMessage(operation, address, errno))
    {
        Errno = errno;
    }

    /// <summary>The Linux errno the call reported.</summary>
    public int Errno { get; }

    /// <summary>Builds the exception from the errno of the P/Invoke that just failed.</summary>
    public static UdpSocketException FromLastError(string operation, string? address = null) =>
        new(operation, address, Marshal.GetLastPInvokeError());

    private static string FormatMessage(string operation, string? address, int errno) =>
        address is null
            ? $"{operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})"
            : $"{operation} {address} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
