namespace BilbyRelay.Config;

public enum ConfigValueKind
{
    String,
    Integer,
    Boolean,
    Float,
    DateTime,
    Array,
    Table,
    Null,
}

/// <summary>
/// A source-neutral configuration value. TOML and JSON values arrive typed; environment variables
/// and command-line options arrive as <see cref="IsText"/> strings that are converted to the key's
/// type when applied (so <c>BILBYRELAY_MAX_CONNECTIONS_PER_IP=32</c> is an integer, while
/// <c>max_connections_per_ip = "32"</c> in a file is a type error).
/// </summary>
public sealed class ConfigValue
{
    private ConfigValue(ConfigValueKind kind, ConfigLocation location)
    {
        Kind = kind;
        Location = location;
    }

    public ConfigValueKind Kind { get; }

    public ConfigLocation Location { get; }

    public string? String { get; private init; }

    public long Integer { get; private init; }

    public bool Boolean { get; private init; }

    public IReadOnlyList<ConfigValue> Items { get; private init; } = [];

    /// <summary>True for untyped text (environment, command line) that is converted to the key's type.</summary>
    public bool IsText { get; private init; }

    public static ConfigValue FromString(string value, ConfigLocation location) =>
        new(ConfigValueKind.String, location) { String = value };

    public static ConfigValue FromText(string value, ConfigLocation location) =>
        new(ConfigValueKind.String, location) { String = value, IsText = true };

    public static ConfigValue FromInteger(long value, ConfigLocation location) =>
        new(ConfigValueKind.Integer, location) { Integer = value };

    public static ConfigValue FromBoolean(bool value, ConfigLocation location) =>
        new(ConfigValueKind.Boolean, location) { Boolean = value };

    public static ConfigValue FromArray(IReadOnlyList<ConfigValue> items, ConfigLocation location) =>
        new(ConfigValueKind.Array, location) { Items = items };

    public static ConfigValue Other(ConfigValueKind kind, ConfigLocation location) => new(kind, location);

    /// <summary>"a string", "an integer", ... for messages such as "expected an integer, got a string".</summary>
    public string KindName => Kind switch
    {
        ConfigValueKind.String => "a string",
        ConfigValueKind.Integer => "an integer",
        ConfigValueKind.Boolean => "a boolean",
        ConfigValueKind.Float => "a float",
        ConfigValueKind.DateTime => "a date-time",
        ConfigValueKind.Array => "an array",
        ConfigValueKind.Table => "a table",
        _ => "null",
    };
}
