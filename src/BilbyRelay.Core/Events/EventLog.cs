using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Core.Events;

/// <summary>Log messages of the event queue (event ids 3900–3909).</summary>
internal static class EventLog
{
    public static void EventRaised(Logger logger, RelayEvent relayEvent)
    {
        var level = relayEvent.Severity switch
        {
            EventSeverity.Info => LogLevel.Information,
            EventSeverity.Warning => LogLevel.Warning,
            _ => LogLevel.Critical,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        string message = relayEvent.FlowId is null
            ? $"[{RelayEvent.ToWireName(relayEvent.Category)}] {relayEvent.Message}"
            : $"[{RelayEvent.ToWireName(relayEvent.Category)}] {relayEvent.Message} (tunnel {relayEvent.FlowId})";
        if (relayEvent.Details is not null)
        {
            message += ": " + relayEvent.Details;
        }

        logger.Log(level, 3900, "RelayEvent", message);
    }
}
