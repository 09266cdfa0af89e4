using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.EventLog;

/// <summary>Every log message of the structured event log, with stable event ids 6000–6099.</summary>
internal static class EventLogLog
{
    public static void Started(Logger log, string target, string format)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 6000, nameof(Started), $"Event log writing {format} lines to {target}");
        }
    }

    public static void WriteFailed(Logger log, Exception e)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 6001, nameof(WriteFailed), $"Event log write failed, events are lost until it recovers: {e.Message}");
        }
    }

    public static void WritesResumed(Logger log)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 6002, nameof(WritesResumed), "Event log writes resumed");
        }
    }
}
