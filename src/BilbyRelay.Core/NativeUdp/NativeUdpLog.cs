using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>Log messages of the native UDP session logic (event ids 3200–3249, stable).</summary>
internal static class NativeUdpLog
{
    public static void BadControl(Logger logger, in UdpPeerAddress source, int length)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3200, nameof(BadControl), $"Native-UDP control datagram from {source} ({length} bytes) is not a valid register; dropped");
        }
    }

    public static void NilTunnel(Logger logger, in UdpPeerAddress source)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3201, nameof(NilTunnel), $"Native-UDP register from {source} names the nil tunnel; dropped");
        }
    }

    public static void VersionMismatch(Logger logger, TunnelId tunnelId, in UdpPeerAddress source, uint version)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3202, nameof(VersionMismatch), $"Native-UDP register for {tunnelId} from {source} has protocol version {version} (relay={RelayProtocol.ProtocolVersion})");
        }
    }

    public static void SessionCreated(Logger logger, TunnelId tunnelId, in UdpPeerAddress source)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3203, nameof(SessionCreated), $"Native-UDP session {tunnelId} created by {source}");
        }
    }

    public static void SessionPaired(Logger logger, TunnelId tunnelId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3204, nameof(SessionPaired), $"Native-UDP session {tunnelId} has both slots latched");
        }
    }

    public static void SessionReaped(Logger logger, TunnelId tunnelId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3205, nameof(SessionReaped), $"Native-UDP session {tunnelId} reaped after silence");
        }
    }

    /// <summary>
    /// A rejection whose event the rate limit held back: it is still logged, at warning level like every rejection
    /// (§5.4), so the log has each one while the event queue is protected from a spoofed flood.
    /// </summary>
    public static void RejectionSuppressed(Logger logger, string message, TunnelId tunnelId, in UdpPeerAddress source)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Log(LogLevel.Warning, 3206, nameof(RejectionSuppressed), $"{message} (tunnel {tunnelId}, from {source}; event held back by the rate limit)");
        }
    }
}
