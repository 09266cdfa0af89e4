using System.Net;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.NativeUdp;

/// <summary>Log messages of the native UDP plane's sockets (event ids 2950–2979).</summary>
internal static class NativeUdpLog
{
    public static void BindFailed(Logger log, string address, string error)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 2950, nameof(BindFailed), $"native UDP relay: cannot bind {address}: {error}; address skipped");
        }
    }

    public static void NotStarted(Logger log, IEnumerable<IPEndPoint> addresses)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 2951, nameof(NotStarted),
                $"native UDP relay not started: no listener could be bound ({string.Join(", ", addresses)}); the relay serves QUIC only and does not advertise udp-relay");
        }
    }

    public static void Listening(Logger log, IPEndPoint endPoint, int receiveBuffer, int sendBuffer, int loops)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 2952, nameof(Listening),
                $"native UDP relay listening on {endPoint}; {loops} loop(s); kernel socket buffers: receive {receiveBuffer} bytes, send {sendBuffer} bytes");
        }
    }

    public static void InheritedSingleLoop(Logger log, int quicThreads)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 2957, nameof(InheritedSingleLoop),
                $"native UDP relay runs one loop: it serves an inherited socket (quic_threads = {quicThreads} applies when the relay binds every native address itself)");
        }
    }

    public static void SmallBuffers(Logger log, IPEndPoint endPoint, int receiveBuffer, int sendBuffer, int minimum)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 2953, nameof(SmallBuffers),
                $"native UDP relay on {endPoint}: the kernel granted only {Math.Min(receiveBuffer, sendBuffer)} bytes of socket buffer (below {minimum}); a feed of tens of Mbit/s will lose datagrams. Raise net.core.rmem_max and net.core.wmem_max (e.g. to 33554432) or run with CAP_NET_ADMIN");
        }
    }

    public static void Unauthenticated(Logger log)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 2954, nameof(Unauthenticated),
                "native UDP relay accepts unauthenticated registers (require_bind_auth = false): a register without a token can move a slot of any tunnel the manager has not authorized; set require_bind_auth = true with a manager");
        }
    }

    public static void InterfacesUnavailable(Logger log, string error)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 2955, nameof(InterfacesUnavailable),
                $"native UDP relay: cannot list interface addresses over netlink ({error}); only loopback and the bound addresses count as the relay's own");
        }
    }

    public static void LoopFailed(Logger log, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 2956, nameof(LoopFailed), "native UDP relay loop failed", exception);
        }
    }
}
