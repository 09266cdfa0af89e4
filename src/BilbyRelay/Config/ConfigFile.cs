namespace BilbyRelay.Config;

public enum ConfigFileFormat
{
    Toml,

    /// <summary>The upstream relay's <c>relay.json</c>: the same snake_case keys.</summary>
    Json,
}

/// <summary>
/// The configuration file the relay was started with. The manager link writes credentials it
/// receives (<c>register_ack</c>, <c>rotate_secret</c>) back into this file, in this format.
/// </summary>
/// <param name="Path">Absolute path of the file.</param>
public sealed record ConfigFile(string Path, ConfigFileFormat Format);
