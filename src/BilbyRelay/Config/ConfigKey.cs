namespace BilbyRelay.Config;

/// <summary>
/// One configuration key: its dotted name, how it is spelled in each source, its documented
/// default, and how a value is checked and stored. The table in <see cref="ConfigKeys"/> is the
/// single list the file readers, the environment reader, the command line and --help all use.
/// </summary>
public sealed class ConfigKey
{
    /// <summary>Dotted key as written in files: <c>quic_addr</c>, <c>manager.urls</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Type as shown in --help and docs: string, integer, boolean, list.</summary>
    public required string TypeName { get; init; }

    /// <summary>Default as shown in --help and docs ("(none)" for optional keys).</summary>
    public required string DefaultText { get; init; }

    public required string Description { get; init; }

    /// <summary>Long command-line option (<c>--quic-addr</c>), or null when the key is not on the command line.</summary>
    public string? CommandLineOption { get; init; }

    /// <summary>A command-line flag without a value that sets this boolean key to false (<c>--no-udp-relay</c>), or null.</summary>
    public string? CommandLineNegation { get; init; }

    /// <summary>Secrets are shown as <see cref="EffectiveConfig.Redacted"/> everywhere they are printed.</summary>
    public bool IsSecret { get; init; }

    /// <summary>Checks the value and stores it; reports problems through <see cref="ConfigValueReader"/>.</summary>
    public required Action<RelayConfig, ConfigValueReader> Apply { get; init; }

    /// <summary><c>BILBYRELAY_</c> + the name upper-cased with dots as underscores: BILBYRELAY_MANAGER_NODE_SECRET.</summary>
    public string EnvironmentVariable => "BILBYRELAY_" + Name.Replace('.', '_').ToUpperInvariant();
}
