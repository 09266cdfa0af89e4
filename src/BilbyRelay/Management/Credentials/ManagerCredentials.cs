using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;

namespace BilbyRelay.Management.Credentials;

/// <summary>
/// The credentials the link authenticates with, as they change at run time: a registration token
/// until <c>register_ack</c>, then node id + secret; <c>rotate_secret</c> swaps the secret. Changes
/// take effect in memory at once and are then persisted; a persistence failure is reported as the
/// event <c>Credential persistence failed: …</c> but does not undo the in-memory switch.
/// Thread-safe (<c>_gate</c> guards the three fields).
/// </summary>
internal sealed class ManagerCredentials
{
    private readonly ICredentialStore _store;
    private readonly IRelayEventSink _events;
    private readonly Logger _log;
    private readonly Lock _gate = new();
    private string? _registrationToken;
    private string? _nodeId;
    private string? _nodeSecret;

    public ManagerCredentials(ManagerOptions options, ICredentialStore store, IRelayEventSink events, Logger log)
    {
        _registrationToken = options.RegistrationToken;
        _nodeId = string.IsNullOrEmpty(options.NodeId) ? null : options.NodeId;
        _nodeSecret = string.IsNullOrEmpty(options.NodeSecret) ? null : options.NodeSecret;
        _store = store;
        _events = events;
        _log = log;
    }

    public string? NodeId
    {
        get
        {
            lock (_gate)
            {
                return _nodeId;
            }
        }
    }

    public string? NodeSecret
    {
        get
        {
            lock (_gate)
            {
                return _nodeSecret;
            }
        }
    }

    /// <summary>The <c>auth</c> payload for the next connection: node credentials when known, else the token.</summary>
    public AuthPayload CreateAuthPayload(string softwareVersion)
    {
        lock (_gate)
        {
            return _nodeId is not null && _nodeSecret is not null
                ? new AuthPayload { NodeId = _nodeId, NodeSecret = _nodeSecret, SoftwareVersion = softwareVersion }
                : new AuthPayload { RegistrationToken = _registrationToken ?? string.Empty, SoftwareVersion = softwareVersion };
        }
    }

    /// <summary>Adopts the credentials from <c>register_ack</c> and persists them. True when persisted.</summary>
    public bool ApplyRegistration(string nodeId, string nodeSecret)
    {
        lock (_gate)
        {
            _nodeId = nodeId;
            _nodeSecret = nodeSecret;
            _registrationToken = null;
        }

        ManagementLog.Registered(_log, nodeId);
        return TryPersist(nodeId, nodeSecret);
    }

    /// <summary>
    /// Switches to <paramref name="newSecret"/> and persists it; emits <c>Secret rotated successfully</c>
    /// or <c>Credential persistence failed: …</c>. Returns whether it was persisted.
    /// </summary>
    public bool RotateSecret(string nodeId, string newSecret)
    {
        lock (_gate)
        {
            _nodeSecret = newSecret;
        }

        ManagementLog.SecretRotated(_log);
        if (!TryPersist(nodeId, newSecret))
        {
            return false;
        }

        _events.Emit(EventSeverity.Info, EventCategory.Manager, EventMessages.SecretRotated);
        return true;
    }

    private bool TryPersist(string nodeId, string nodeSecret)
    {
        try
        {
            _store.Persist(nodeId, nodeSecret);
            ManagementLog.CredentialsPersisted(_log, _store.Location);
            return true;
        }
        catch (Exception ex) when (ex is CredentialPersistenceException or IOException or UnauthorizedAccessException)
        {
            ManagementLog.CredentialPersistenceFailed(_log, ex.Message, ex);
            _events.Emit(EventSeverity.Warning, EventCategory.Manager, EventMessages.CredentialPersistenceFailed(ex.Message));
            return false;
        }
    }
}
