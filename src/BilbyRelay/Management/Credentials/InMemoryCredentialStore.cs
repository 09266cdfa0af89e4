using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Management.Credentials;

/// <summary>
/// The store when the relay runs without a config file: credentials live only in this process and
/// a warning says they will be lost on restart (the manager must then issue a new registration token).
/// </summary>
internal sealed class InMemoryCredentialStore : ICredentialStore
{
    private readonly Logger _log;
    private readonly Lock _gate = new();
    private (string NodeId, string NodeSecret)? _credentials;

    public InMemoryCredentialStore(Logger log)
    {
        _log = log;
    }

    public string Location => "memory (no config file)";

    /// <summary>The last persisted credentials, or null.</summary>
    public (string NodeId, string NodeSecret)? Credentials
    {
        get
        {
            lock (_gate)
            {
                return _credentials;
            }
        }
    }

    public void Persist(string nodeId, string nodeSecret)
    {
        lock (_gate)
        {
            _credentials = (nodeId, nodeSecret);
        }

        ManagementLog.CredentialsInMemoryOnly(_log);
    }
}
