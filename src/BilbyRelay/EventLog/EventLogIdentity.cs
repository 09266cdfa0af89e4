namespace BilbyRelay.EventLog;

/// <summary>The fields every event line carries about the relay that wrote it.</summary>
/// <param name="RelayId">The manager's node id when one is configured, else the host name, so lines from one relay always group.</param>
internal sealed record EventLogIdentity(string Host, string SoftwareVersion, string RelayId);
