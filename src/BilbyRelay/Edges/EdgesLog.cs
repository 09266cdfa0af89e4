using System.Net;
using BilbyRelay.Core.Diagnostics;

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
}
