namespace BilbyRelay.Management;

/// <summary>One connected edge: its reported (or connection) id and its address as seen by the relay.</summary>
internal sealed class ManagerEdgeInfo
{
    public required string EdgeId { get; init; }

    public required string RemoteAddr { get; init; }
}
