using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>Hosting log messages. Event ids 1000-1099 (see <see cref="LogEventIds"/>).</summary>
internal static class HostingLog
{
    public static void Starting(Logger log, string version, int processId)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1000, nameof(Starting), $"bilbyrelay {version} starting (pid {processId})");
        }
    }

    public static void ComponentStarting(Logger log, string name)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 1001, nameof(ComponentStarting), $"Starting {name}");
        }
    }

    public static void ComponentStarted(Logger log, string name)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1002, nameof(ComponentStarted), $"Started {name}");
        }
    }

    public static void ComponentStartFailed(Logger log, string name, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Critical))
        {
            log.Log(LogLevel.Critical, 1003, nameof(ComponentStartFailed), $"Failed to start {name}: {exception.Message}", exception);
        }
    }

    public static void Ready(Logger log, int componentCount)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1004, nameof(Ready), $"Relay ready ({componentCount} components running)");
        }
    }

    public static void SignalReceived(Logger log, string signal)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1005, nameof(SignalReceived), $"Received {signal}, shutting down gracefully (send it again to exit at once)");
        }
    }

    public static void ShuttingDown(Logger log, TimeSpan gracePeriod)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1006, nameof(ShuttingDown), $"Shutting down (grace period {gracePeriod.TotalSeconds:0.#} s)");
        }
    }

    public static void ComponentStopped(Logger log, string name)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1007, nameof(ComponentStopped), $"Stopped {name}");
        }
    }

    public static void ComponentStopTimedOut(Logger log, string name)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 1008, nameof(ComponentStopTimedOut), $"{name} did not stop within the grace period; abandoning it");
        }
    }

    public static void ComponentStopFailed(Logger log, string name, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 1009, nameof(ComponentStopFailed), $"Error while stopping {name}: {exception.Message}", exception);
        }
    }

    public static void Stopped(Logger log, int exitCode)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1010, nameof(Stopped), $"Relay stopped (exit code {exitCode})");
        }
    }

    public static void SystemdNotifyFailed(Logger log, string state, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 1011, nameof(SystemdNotifyFailed), $"Could not send {state} to systemd: {exception.Message}");
        }
    }

    public static void Crashed(Logger log, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Critical))
        {
            log.Log(LogLevel.Critical, 1099, nameof(Crashed), $"Unexpected failure: {exception.Message}", exception);
        }
    }

    public static void ComponentFailed(Logger log, string name, string reason, Exception? exception)
    {
        if (log.IsEnabled(LogLevel.Critical))
        {
            log.Log(LogLevel.Critical, 1012, nameof(ComponentFailed), $"{name} failed while running: {reason}; shutting down", exception);
        }
    }

    public static void ListenSocketAdopted(Logger log, int descriptor, string kind, System.Net.IPEndPoint address)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1013, nameof(ListenSocketAdopted), $"Using inherited socket (descriptor {descriptor}) for {kind} {address}");
        }
    }

    public static void InheritedQuicSocketSingleLoop(Logger log, System.Net.IPEndPoint address, int quicThreads)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1014, nameof(InheritedQuicSocketSingleLoop), $"UDP {address} is served by one QUIC loop on its inherited socket (quic_threads = {quicThreads} applies to addresses the relay binds itself)");
        }
    }

    public static void ListenSocketsRejected(Logger log, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Critical))
        {
            log.Log(LogLevel.Critical, 1015, nameof(ListenSocketsRejected), $"Cannot use the inherited sockets: {exception.Message}; not starting");
        }
    }

    public static void StartupDataReleased(Logger log, nuint start, nuint length)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 1016, nameof(StartupDataReleased), $"Released {length / 1024} KiB of expanded start-up data at 0x{start:x}-0x{start + length:x}");
        }
    }
}
