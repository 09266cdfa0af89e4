namespace BilbyRelay.Core.Diagnostics;

/// <summary>
/// A component's logger: a category name bound to the process-wide sink. Components do not call
/// <see cref="Log"/> with free text directly; each has a static *Log class whose methods carry a
/// stable event id and check <see cref="IsEnabled"/> before formatting anything.
/// </summary>
public sealed class Logger
{
    private readonly LogSink _sink;
    private readonly TimeProvider _time;

    public Logger(LogSink sink, string category, TimeProvider? time = null)
    {
        _sink = sink;
        Category = category;
        _time = time ?? TimeProvider.System;
    }

    public static Logger Null { get; } = new(NullLogSink.Instance, "null");

    public string Category { get; }

    /// <summary>The sink this logger writes to, for components that create their own loggers.</summary>
    public LogSink Sink => _sink;

    public bool IsEnabled(LogLevel level) => _sink.IsEnabled(level);

    public void Log(LogLevel level, int eventId, string eventName, string message, Exception? exception = null)
    {
        if (!_sink.IsEnabled(level))
        {
            return;
        }

        _sink.Write(new LogEntry(_time.GetUtcNow(), level, Category, eventId, eventName, message, exception));
    }

    /// <summary>A logger for another component sharing this one's sink and clock.</summary>
    public Logger ForCategory(string category) => new(_sink, category, _time);
}
