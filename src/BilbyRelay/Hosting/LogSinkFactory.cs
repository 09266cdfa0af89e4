using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>Creates the process-wide sink for the configured format and level.</summary>
public static class LogSinkFactory
{
    public static LogSink Create(LogFormat format, LogLevel minimumLevel, TextWriter writer)
    {
        LogSink sink = format == LogFormat.Json ? new JsonLogSink(writer) : new TextLogSink(writer);
        sink.MinimumLevel = minimumLevel;
        return sink;
    }
}
