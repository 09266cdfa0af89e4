namespace BilbyRelay.Core.Diagnostics;

/// <summary>
/// Where log entries go (stderr text or JSON lines in the executable, a list in tests).
/// Implementations must be thread-safe: every component logs from its own thread.
/// </summary>
public abstract class LogSink
{
    /// <summary>Entries below this level are discarded before any formatting work is done.</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    public bool IsEnabled(LogLevel level) => level >= MinimumLevel && level != LogLevel.None;

    public abstract void Write(in LogEntry entry);
}

/// <summary>A sink that drops everything; the default for components built without logging.</summary>
public sealed class NullLogSink : LogSink
{
    public static readonly NullLogSink Instance = new() { MinimumLevel = LogLevel.None };

    public override void Write(in LogEntry entry)
    {
    }
}
