using System.Diagnostics.CodeAnalysis;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Config;

/// <summary>The level names operators write (trace, debug, info, warn, error) and their <see cref="LogLevel"/>.</summary>
public static class LogLevelText
{
    public static bool TryParse(string text, out LogLevel level)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "trace":
                level = LogLevel.Trace;
                return true;
            case "debug":
                level = LogLevel.Debug;
                return true;
            case "info":
                level = LogLevel.Information;
                return true;
            case "warn" or "warning":
                level = LogLevel.Warning;
                return true;
            case "error":
                level = LogLevel.Error;
                return true;
            default:
                level = LogLevel.None;
                return false;
        }
    }

    [SuppressMessage("Style", "IDE0072:Add missing cases", Justification = "Every other level maps to its own name below.")]
    public static string Format(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
