using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Management.Credentials;

/// <summary>Picks where register_ack/rotate_secret credentials are written.</summary>
internal static class CredentialStores
{
    /// <summary>The credentials file when <c>manager.credentials_file</c> is set, else the config file (<see cref="ForConfigFile"/>).</summary>
    public static ICredentialStore For(ManagerConfig manager, ConfigFile? file, Logger log) =>
        manager.CredentialsFile is { } path ? new CredentialsFileStore(path) : ForConfigFile(file, log);

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
