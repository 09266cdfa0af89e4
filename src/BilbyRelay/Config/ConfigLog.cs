using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Config;

/// <summary>Configuration log messages. Event ids 1100-1199 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static class ConfigLog
{
    public static void Loaded(Logger log, ConfigFile? file)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            var message = file is null
                ? "No config file given; using defaults, environment and command line"
                : $"Loaded configuration from {file.Path} ({(file.Format == ConfigFileFormat.Json ? "json" : "toml")})";
            log.Log(LogLevel.Information, 1100, nameof(Loaded), message);
        }
    }

    public static void Effective(Logger log, RelayConfig config)
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.Log(LogLevel.Information, 1101, nameof(Effective), "Effective configuration: " + EffectiveConfig.ToLogLine(config));
        }
    }

    public static void Warning(Logger log, ConfigDiagnostic diagnostic)
    {
        if (log.IsEnabled(LogLevel.Warning))
        {
            log.Log(LogLevel.Warning, 1102, nameof(Warning), "Configuration " + diagnostic);
        }
    }
}
