using BilbyRelay.Config;

namespace BilbyRelay.Cli;

public enum CommandKind
{
    /// <summary>Run the relay until SIGTERM/SIGINT.</summary>
    Run,

    /// <summary>Validate the configuration, print it (secrets redacted) and exit.</summary>
    CheckConfig,

    /// <summary>GET /health from the relay configured by the same sources; exit 0 when it answers 200 (a container probe).</summary>
    Health,

    Help,

    Version,
}

public enum CheckConfigOutput
{
    Toml,
    Json,
}

/// <summary>The parsed command line.</summary>
public sealed class CommandLineOptions
{
    public CommandKind Command { get; set; } = CommandKind.Run;

    public string? ConfigPath { get; set; }

    /// <summary>"--config" or "-c", as typed, for messages about the file.</summary>
    public string ConfigPathOption { get; set; } = "--config";

    /// <summary>Config keys set on the command line, highest precedence.</summary>
    public List<CommandLineSetting> Settings { get; } = [];

    /// <summary>check-config only: print the effective configuration as TOML (default) or JSON.</summary>
    public CheckConfigOutput Output { get; set; } = CheckConfigOutput.Toml;
}
