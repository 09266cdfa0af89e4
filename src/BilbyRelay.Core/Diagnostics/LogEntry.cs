namespace BilbyRelay.Core.Diagnostics;

/// <summary>
/// One log entry. <see cref="EventId"/> and <see cref="EventName"/> are stable per message so
/// operators can alert on them; they are defined once, in each component's *Log.cs file.
/// </summary>
public readonly record struct LogEntry(
    DateTimeOffset Timestamp,
    LogLevel Level,
    string Category,
    int EventId,
    string EventName,
    string Message,
    Exception? Exception);
