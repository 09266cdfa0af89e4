namespace BilbyRelay.Management;

/// <summary>The <c>{}</c> payload of messages that carry no data (<c>pong</c>).</summary>
internal sealed class EmptyPayload
{
    public static readonly EmptyPayload Instance = new();
}
