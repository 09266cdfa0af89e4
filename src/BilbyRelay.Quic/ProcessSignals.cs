using System.ComponentModel;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic;

/// <summary>
/// Sends a POSIX signal to another process through kill(2), as systemd and container runtimes
/// stop a service. .NET can only SIGKILL a child; this needs no external <c>kill</c> program,
/// which a minimal system does not have.
/// </summary>
public static class ProcessSignals
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; throws <see cref="Win32Exception"/> with the errno when the kernel refuses.</summary>
    public static void Send(int processId, PosixSignal signal)
    {
        if (Libc.kill(processId, ToLinuxNumber(signal)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"kill({processId}, {signal}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    // PosixSignal's named values are .NET's own abstractions (SIGTERM is -4), not the kernel's numbers; positive values
    // are raw kernel numbers (as PosixSignalRegistration takes them), for signals it does not name such as SIGUSR1.
    private static int ToLinuxNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ when (int)signal > 0 => (int)signal,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "only SIGHUP, SIGINT, SIGQUIT, SIGTERM and raw signal numbers are sent"),
    };
}
