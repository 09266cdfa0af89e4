using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

/// <summary>
/// Log messages of the relay sessions (event ids 3000–3099, stable). Each checks the level before
/// formatting, so a disabled level costs one check and no allocation.
/// </summary>
internal static class RelayLog
{
    public static void SessionStarted(Logger logger, string connectionId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3000, nameof(SessionStarted), $"Connection '{connectionId}' started");
        }
    }

    public static void SessionEnded(Logger logger, string connectionId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3001, nameof(SessionEnded), $"Connection '{connectionId}' ended");
        }
    }

    public static void SessionFault(Logger logger, string connectionId, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            logger.Log(LogLevel.Error, 3002, nameof(SessionFault), $"Connection '{connectionId}' failed unexpectedly", exception);
        }
    }

    public static void ListenerStopped(Logger logger, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3003, nameof(ListenerStopped), "Edge listener stopped", exception);
        }
    }

    public static void AcceptLoopEnded(Logger logger, string connectionId, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3004, nameof(AcceptLoopEnded), $"Connection '{connectionId}' accepts no more streams: {exception.Message}");
        }
    }

    public static void ControlStreamFinished(Logger logger, string connectionId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3005, nameof(ControlStreamFinished), $"Connection '{connectionId}' finished its control stream");
        }
    }

    public static void ControlStreamViolation(Logger logger, string connectionId, FrameReadStatus status, long declaredLength)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            string message = status == FrameReadStatus.Oversized
                ? $"Connection '{connectionId}' sent a {declaredLength}-byte control frame (limit {RelayProtocol.MaxFrameLength}); closing it"
                : $"Connection '{connectionId}' ended its control stream inside a frame; closing it";
            logger.Log(LogLevel.Warning, 3006, nameof(ControlStreamViolation), message);
        }
    }

    public static void ControlStreamEnded(Logger logger, string connectionId, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3007, nameof(ControlStreamEnded), $"Control stream of '{connectionId}' ended: {exception.Message}");
        }
    }

    public static void UnknownControlMessage(Logger logger, string connectionId, string? type)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3008, nameof(UnknownControlMessage), $"Unknown message type '{type ?? "(none)"}' from '{connectionId}', ignoring");
        }
    }

    public static void MalformedControlMessage(Logger logger, string connectionId, string? error)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3009, nameof(MalformedControlMessage), $"Malformed control message from '{connectionId}', ignoring: {error}");
        }
    }

    public static void EdgeHello(Logger logger, string connectionId, uint protocolVersion, string softwareVersion)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3010, nameof(EdgeHello), $"Connection '{connectionId}' hello: protocol v{protocolVersion}, software {softwareVersion}");
        }
    }

    public static void EdgeIdentified(Logger logger, string connectionId, string edgeId)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3011, nameof(EdgeIdentified), $"Connection '{connectionId}' identified as '{edgeId}'");
        }
    }

    public static void EdgeIdTooLong(Logger logger, string connectionId, int length)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Log(LogLevel.Warning, 3012, nameof(EdgeIdTooLong), $"Connection '{connectionId}' sent identify with an edge_id of {length} chars (limit {RelayProtocol.MaxEdgeIdLength}); ignoring");
        }
    }

    public static void TunnelBound(Logger logger, string connectionId, TunnelId id, TunnelDirection direction, TunnelProtocol protocol)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3013, nameof(TunnelBound), $"Connection '{connectionId}' bound tunnel {id} as {direction.ToWireName()} ({protocol.ToWireName()})");
        }
    }

    public static void BindRejected(Logger logger, string connectionId, string flowId, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Log(LogLevel.Warning, 3014, nameof(BindRejected), $"Connection '{connectionId}' bind of tunnel {flowId} rejected: {reason}");
        }
    }

    public static void SlotTaken(Logger logger, TunnelId id, TunnelDirection direction, string displaced, string binder)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3015, nameof(SlotTaken), $"Tunnel {id} {direction.ToWireName()} slot moved from '{displaced}' to '{binder}'");
        }
    }

    public static void TunnelUnbound(Logger logger, string connectionId, TunnelId id, TunnelDirection direction)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3016, nameof(TunnelUnbound), $"Connection '{connectionId}' unbound tunnel {id} ({direction.ToWireName()})");
        }
    }

    public static void TunnelClosed(Logger logger, TunnelId id, string reason, int notified)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.Log(LogLevel.Information, 3017, nameof(TunnelClosed), $"Tunnel {id} closed ({reason}); {notified} bound side(s) notified");
        }
    }

    public static void UnidirectionalStreamIgnored(Logger logger, string connectionId, long streamId)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.Log(LogLevel.Debug, 3018, nameof(UnidirectionalStreamIgnored), $"Connection '{connectionId}' opened unidirectional stream {streamId}; refusing it");
        }
    }

    public static void NotificationFailed(Logger logger, string connectionId, string? type, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Log(LogLevel.Warning, 3019, nameof(NotificationFailed), $"Could not send {type ?? "notifications"} to '{connectionId}': {exception.Message}");
        }
    }

    public static void NotificationQueueOverflow(Logger logger, string connectionId)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.Log(LogLevel.Warning, 3020, nameof(NotificationQueueOverflow), $"Connection '{connectionId}' is not reading its notifications; closing it");
        }
    }
}
