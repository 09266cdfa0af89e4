using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>Short level names shared by the text and JSON log formats.</summary>
internal static class LogLevelNames
{
    public static string Of(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        LogLevel.None => "none",
        _ => "unknown",
    };
}
