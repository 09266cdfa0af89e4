namespace BilbyRelay.Config;

/// <summary>
/// Where a configuration value came from, so every message can point an operator at the exact
/// file line, environment variable or command-line option to fix.
/// </summary>
/// <param name="Description">The source: a file path, "environment variable X", "option --x" or "default".</param>
/// <param name="Line">1-based line in a file, or 0 when the source has no lines.</param>
public readonly record struct ConfigLocation(string Description, int Line)
{
    public static ConfigLocation Default { get; } = new("default", 0);

    public static ConfigLocation InFile(string path, int line) => new(path, line);

    public static ConfigLocation EnvironmentVariable(string name) => new("environment variable " + name, 0);

    public static ConfigLocation CommandLine(string option) => new("option " + option, 0);

    public override string ToString() => Line > 0 ? $"{Description}:{Line}" : Description;
}
