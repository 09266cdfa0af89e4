namespace BilbyRelay.Config;

/// <summary>
/// The outcome of loading: the merged configuration and every warning and error found. When
/// <see cref="Succeeded"/> is false the configuration must not be used; the relay exits with code 2.
/// </summary>
public sealed class ConfigLoadResult
{
    public ConfigLoadResult(RelayConfig config, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Config = config;
        Diagnostics = diagnostics;
    }

    public RelayConfig Config { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public bool Succeeded => !Diagnostics.Any(static d => d.Severity == ConfigDiagnosticSeverity.Error);

    /// <summary>The file read, with its format; null when the relay runs without a config file.</summary>
    public ConfigFile? File => Config.File;
}
