using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Management;

/// <summary>
/// Every log message of the manager link, each with a stable event id (5000–5099) that operators
/// may alert on. Ids are never reused or renumbered; new messages take the next free id.
/// </summary>
internal static class ManagementLog
{
    public const string Category = "BilbyRelay.Management";

    public static void Connecting(Logger log, Uri url)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5000, nameof(Connecting), $"Connecting to manager {url}");
        }
    }

    public static void Connected(Logger log, Uri url)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5001, nameof(Connected), $"Connected to manager {url}");
        }
    }

    public static void AttemptFailed(Logger log, Uri url, string reason, TimeSpan retryIn)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 5002, nameof(AttemptFailed), $"Manager connection attempt to {url} failed: {reason}; next attempt in {retryIn.TotalSeconds:0.###} s");
        }
    }

    public static void AuthenticationFailed(Logger log, Uri url, string reason)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 5003, nameof(AuthenticationFailed), $"Manager {url} rejected authentication: {reason}");
        }
    }

    public static void Registered(Logger log, string nodeId)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5004, nameof(Registered), $"Registered with the manager as node {nodeId}");
        }
    }

    public static void ConnectionLost(Logger log, Uri url, string? reason, TimeSpan retryIn)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 5005, nameof(ConnectionLost), reason is null
                ? $"Manager connection to {url} closed; reconnecting in {retryIn.TotalSeconds:0.###} s"
                : $"Manager connection to {url} lost: {reason}; reconnecting in {retryIn.TotalSeconds:0.###} s");
        }
    }

    public static void CredentialsPersisted(Logger log, string location)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5006, nameof(CredentialsPersisted), $"Manager credentials written to {location}");
        }
    }

    public static void CredentialPersistenceFailed(Logger log, string error, Exception? exception)
    {
        if (log.IsEnabled(LogLevel.Error))
        {
            log.Log(LogLevel.Error, 5007, nameof(CredentialPersistenceFailed), $"Could not persist manager credentials: {error}", exception);
        }
    }

    public static void SecretRotated(Logger log)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5008, nameof(SecretRotated), "Node secret rotated by the manager");
        }
    }

    public static void CommandReceived(Logger log, string commandId, string action)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 5009, nameof(CommandReceived), $"Manager command {commandId}: {action}");
        }
    }

    public static void MessageIgnored(Logger log, string reason)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 5010, nameof(MessageIgnored), $"Ignored manager message: {reason}");
        }
    }

    public static void CommandFailed(Logger log, string commandId, string action, string error)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 5011, nameof(CommandFailed), $"Manager command {commandId} ({action}) failed: {error}");
        }
    }

    public static void StatsSkipped(Logger log)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 5012, nameof(StatsSkipped), "Stats report skipped: the previous one is still waiting for the manager socket");
        }
    }

    public static void CredentialsInMemoryOnly(Logger log)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 5013, nameof(CredentialsInMemoryOnly), "No config file: manager credentials are kept in memory only and are lost on restart");
        }
    }

    public static void Stopping(Logger log)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 5014, nameof(Stopping), "Closing the manager link");
        }
    }

    public static void InboundLoopFailed(Logger log, Exception exception)
    {
        if (log.IsEnabled(LogLevel.Debug))
        {
            log.Log(LogLevel.Debug, 5015, nameof(InboundLoopFailed), "Manager session task ended with an error", exception);
        }
    }
}
