using System.Text;
using BilbyRelay.Config;

namespace BilbyRelay.Management.Credentials;

/// <summary>
/// Credentials in a file of their own (<c>manager.credentials_file</c>), so the config file stays
/// untouched: a packaged relay's <c>/etc/bilbyrelay/relay.toml</c> is read-only to the service and
/// owned by the package manager. The file is rewritten whole, atomically, mode 0600; the loader reads
/// it back over the configuration (<see cref="CredentialsFileLayer"/>).
/// </summary>
internal sealed class CredentialsFileStore : ICredentialStore
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public CredentialsFileStore(string path)
    {
        Location = Path.GetFullPath(path);
    }

    public string Location { get; }

    public void Persist(string nodeId, string nodeSecret)
    {
        var text = new StringBuilder()
            .Append("# Node credentials issued by the bilbycast manager, written by bilbyrelay.\n")
            .Append("# They override node_id, node_secret and registration_token in the configuration;\n")
            .Append("# delete this file to register again with a new registration_token.\n")
            .Append("[manager]\n")
            .Append("node_id = ").Append(TomlText.Quote(nodeId)).Append('\n')
            .Append("node_secret = ").Append(TomlText.Quote(nodeSecret)).Append('\n')
            .ToString();
        try
        {
            AtomicFile.Replace(Location, Encoding.UTF8.GetBytes(text), OwnerReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialPersistenceException($"{Location}: {ex.Message}", ex);
        }
    }
}
