namespace BilbyRelay.Quic;

/// <summary>What became of a datagram handed to <see cref="QuicConnection.SendDatagram"/>.</summary>
public enum QuicDatagramSendResult
{
    /// <summary>Queued; the loop sends it with the connection's next packets.</summary>
    Queued,

    /// <summary>The send queue held <see cref="QuicTransportSettings.DatagramSendQueueCapacity"/> datagrams already.</summary>
    QueueFull,

    /// <summary>Larger than <see cref="QuicConnection.MaxDatagramSize"/>.</summary>
    TooLarge,

    /// <summary>The connection is not open.</summary>
    Closed,

    /// <summary>Queuing it would have taken the <see cref="QuicMemoryBudget"/> past its limit.</summary>
    MemoryBudget,
}
