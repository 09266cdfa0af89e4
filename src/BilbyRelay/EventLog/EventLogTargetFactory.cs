using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.EventLog;

/// <summary>Builds the event log the configuration asks for; null when <c>logging.json_target.kind</c> is unset.</summary>
internal static class EventLogTargetFactory
{
    public static EventLogTarget? Create(RelayConfig config, string softwareVersion, Logger log)
    {
        var settings = config.EventLog;
        if (settings.Kind is not { } kind)
        {
            return null;
        }

        var host = Environment.MachineName;
        var identity = new EventLogIdentity(host, softwareVersion, config.Manager.NodeId ?? host);
        IEventLogOutput output;
        string target;
        try
        {
            (output, target) = kind switch
            {
                EventLogKind.Stdout => ((IEventLogOutput)StreamEventLogOutput.StandardOutput(), "standard output"),
                EventLogKind.File => (new RotatingFileEventLogOutput(settings.Path!, settings.MaxSizeMb * 1024L * 1024L, settings.MaxBackups), settings.Path!),
                _ => (new SyslogEventLogOutput(SyslogEventLogOutput.Resolve(settings.SyslogAddr), host), "syslog udp://" + settings.SyslogAddr),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"cannot open the event log ({EventLogConfig.ToText(kind)}): {e.Message}", e);
        }

        EventLogLog.Started(log, target, EventLogConfig.ToText(settings.Format));
        // The same capacity as the manager's queue: one setting bounds the memory events may take.
        return new EventLogTarget(new EventLineFormatter(settings.Format, identity), output, config.EventQueueCapacity, log);
    }
}
