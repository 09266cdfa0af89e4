using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Management.Credentials;

/// <summary>Picks the store for the config file the relay was started with.</summary>
internal static class CredentialStores
{
    /// <summary>
    /// The store writes the file back in the format it was loaded in (the loader decides it from the
    /// extension or, failing that, the content): <see cref="ConfigFileFormat.Json"/> →
    /// <see cref="JsonCredentialStore"/>, <see cref="ConfigFileFormat.Toml"/> →
    /// <see cref="TomlCredentialStore"/>; no config file → <see cref="InMemoryCredentialStore"/>.
    /// </summary>
    public static ICredentialStore ForConfigFile(ConfigFile? file, Logger log) => file switch
    {
        null => new InMemoryCredentialStore(log),
        { Format: ConfigFileFormat.Json } => new JsonCredentialStore(file.Path),
        _ => new TomlCredentialStore(file.Path),
    };
}
