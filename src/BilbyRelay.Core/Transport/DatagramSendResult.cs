namespace BilbyRelay.Core.Transport;

/// <summary>What became of a datagram handed to <see cref="IEdgeConnection.SendDatagram"/>.</summary>
public enum DatagramSendResult
{
    /// <summary>Queued for sending.</summary>
    Queued,

    /// <summary>The connection's datagram send queue was full.</summary>
    QueueFull,

    /// <summary>Larger than the peer accepts or than its path carries.</summary>
    TooLarge,

    /// <summary>The connection is closing or closed.</summary>
    Closed,

    /// <summary>The relay-wide memory budget had no room for it.</summary>
    MemoryBudget,
}
