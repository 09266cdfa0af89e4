using System.Net;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Stats;

/// <summary>Every log message of the stats endpoint, with stable event ids 4000–4099.</summary>
internal static class StatsLog
{
    public static void Listening(Logger log, EndPoint endPoint)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 4000, nameof(Listening), $"Stats endpoint listening on http://{endPoint}");
        }
    }

    public static void Stopped(Logger log)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 4001, nameof(Stopped), "Stats endpoint stopped");
        }
    }

    public static void ConnectionCapReached(Logger log, int maxConnections)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 4002, nameof(ConnectionCapReached), $"Stats endpoint connection cap reached ({maxConnections}); closing the slowest incomplete request, else rejecting with 503");
        }
    }

    public static void RequestTimedOut(Logger log, EndPoint? remote)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 4003, nameof(RequestTimedOut), $"Stats connection from {remote} closed: request not received in time");
        }
    }

    public static void BadRequest(Logger log, EndPoint? remote, int statusCode, string reason)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 4004, nameof(BadRequest), $"Stats request from {remote} refused with {statusCode}: {reason}");
        }
    }

    public static void Unauthorized(Logger log, EndPoint? remote)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 4005, nameof(Unauthorized), $"Stats request from {remote} refused: missing or wrong bearer token");
        }
    }

    public static void TunnelDeleted(Logger log, Guid tunnelId, int peersNotified)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 4006, nameof(TunnelDeleted), $"REST: deleted tunnel '{tunnelId}' ({peersNotified} peer(s) notified)");
        }
    }

    public static void UdpSessionDeleted(Logger log, Guid tunnelId)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 4011, nameof(UdpSessionDeleted), $"REST: deleted native UDP session '{tunnelId}'");
        }
    }

    public static void HandlerFailed(Logger log, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 4007, nameof(HandlerFailed), "Stats request failed while reading relay state", exception);
        }
    }

    public static void AcceptFailed(Logger log, EndPoint endPoint, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 4008, nameof(AcceptFailed), $"Stats endpoint {endPoint} failed to accept a connection", exception);
        }
    }

    public static void ConnectionFailed(Logger log, EndPoint? remote, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 4009, nameof(ConnectionFailed), $"Stats connection from {remote} ended with an error", exception);
        }
    }

    public static void ConnectionCrashed(Logger log, EndPoint? remote, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 4010, nameof(ConnectionCrashed), $"Stats connection from {remote} failed unexpectedly", exception);
        }
    }
}
