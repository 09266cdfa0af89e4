namespace BilbyRelay.Config;

public enum ConfigDiagnosticSeverity
{
    /// <summary>The value was ignored or is suspicious (an unknown key); the relay still starts.</summary>
    Warning,

    /// <summary>The configuration is unusable; the relay refuses to start (exit code 2).</summary>
    Error,
}

/// <summary>One problem found while loading configuration, naming the source, the line and the key.</summary>
/// <param name="Key">The dotted key (e.g. <c>manager.urls</c>), or null for file-level problems such as a syntax error.</param>
public sealed record ConfigDiagnostic(ConfigDiagnosticSeverity Severity, ConfigLocation Location, string? Key, string Message)
{
    public override string ToString()
    {
        var severity = Severity == ConfigDiagnosticSeverity.Error ? "error" : "warning";
        return Key is null
            ? $"{severity}: {Location}: {Message}"
            : $"{severity}: {Location}: {Key}: {Message}";
    }
}
