using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Management.Credentials;

/// <summary>Picks the store for the config file the relay was started with.</summary>
internal static class CredentialStores
{
    /// <summary>
    /// <c>*.json</c> → <see cref="JsonCredentialStore"/>; any other path → <see cref="TomlCredentialStore"/>;
    /// no config file → <see cref="InMemoryCredentialStore"/>.
    /// </summary>
    public static ICredentialStore ForConfigFile(string? path, Logger log) => path switch
    {
        null or "" => new InMemoryCredentialStore(log),
        _ when path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) => new JsonCredentialStore(path),
        _ => new TomlCredentialStore(path),
    };
}
