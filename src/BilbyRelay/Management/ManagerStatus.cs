namespace BilbyRelay.Management;

/// <summary>State of the manager link for <c>GET /health</c>'s <c>manager</c> block.</summary>
/// <param name="Connected">True while a session is authenticated.</param>
/// <param name="DisconnectedSecs">Whole seconds since the link went down (or since start if it never came up); null while connected.</param>
/// <param name="Reconnecting">True while the link is down and the client keeps trying.</param>
/// <param name="LastError">While down: why the last attempt or session failed (null after a clean close or before any failure); null while connected.</param>
internal readonly record struct ManagerStatus(bool Connected, long? DisconnectedSecs, bool Reconnecting, string? LastError);
