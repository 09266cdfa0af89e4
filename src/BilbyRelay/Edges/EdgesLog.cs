using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Quic;

namespace BilbyRelay.Edges;

/// <summary>Log messages of the QUIC listener component (event ids 2900–2949).</summary>
internal static class EdgesLog
{
    public static void Listening(Logger log, IReadOnlyList<IPEndPoint> endpoints, string alpn, bool selfSigned, string fingerprint)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            var certificate = selfSigned ? "self-signed certificate" : "configured certificate";
            log.Log(LogLevel.Information, 2900, "QuicListening",
                $"listening for edges on UDP {string.Join(", ", endpoints)} (ALPN {alpn}); {certificate} SHA-256 {fingerprint}");
        }
    }

    public static void QuicEngine(Logger log, LogLevel level, string message)
    {
        if (log.IsEnabled(level))
        {
            log.Log(level, 2901, "QuicEngine", message);
        }
    }

    public static void LoopFailed(Logger log, QuicLoopFault fault)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 2902, "QuicLoopFailed", $"{fault.Description}; its connections are closed", fault.Exception);
        }
    }

    public static void LoopFaultInjectionEnabled(Logger log, string variable, IReadOnlyList<IPEndPoint> endpoints)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            var address = endpoints.Count > 0 ? endpoints[0].ToString() : "(none)";
            log.Log(LogLevel.Warning, 2903, "QuicLoopFaultInjectionEnabled",
                $"{variable} is set: SIGUSR1 makes the QUIC loop on {address} fail and the relay exit 1 (a test hook; never set it in production)");
        }
    }
}
