namespace BilbyRelay.Management.Credentials;

/// <summary>
/// Where the node credentials the manager hands out are kept across restarts. <see cref="Persist"/>
/// replaces <c>registration_token</c> with <c>node_id</c> + <c>node_secret</c> (or updates
/// <c>node_secret</c> after a rotation) and leaves everything else as it was. Called from the manager
/// link's task, one call at a time.
/// </summary>
internal interface ICredentialStore
{
    /// <summary>Human-readable place the credentials go (a path, or "memory").</summary>
    string Location { get; }

    /// <summary>Writes the credentials. Throws <see cref="CredentialPersistenceException"/> with a readable message on failure.</summary>
    void Persist(string nodeId, string nodeSecret);
}
