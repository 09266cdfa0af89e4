namespace BilbyRelay.Management;

/// <summary>
/// The exact text of the events the manager link itself raises (PROTOCOL.md §4, category
/// <c>manager</c>). Dashboards match on these strings: do not reword.
/// </summary>
internal static class ManagerEventTexts
{
    public const string Category = "manager";

    public const string Connected = "Connected to manager";

    public const string ConnectionLost = "Manager connection lost, reconnecting";

    public const string SecretRotated = "Secret rotated successfully";

    public static string ConnectionLostWithError(string error) => $"Manager connection lost, reconnecting: {error}";

    public static string AuthenticationFailed(string reason) => $"Manager authentication failed: {reason}";

    public static string CredentialPersistenceFailed(string error) => $"Credential persistence failed: {error}";
}
