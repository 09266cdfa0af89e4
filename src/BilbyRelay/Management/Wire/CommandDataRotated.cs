namespace BilbyRelay.Management;

/// <summary><c>data</c> of a successful <c>rotate_secret</c> ack: whether the new secret also reached the config file.</summary>
internal sealed class CommandDataRotated
{
    public bool Persisted { get; init; }
}
