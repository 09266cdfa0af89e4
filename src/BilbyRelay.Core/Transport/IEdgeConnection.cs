using System.Net;

namespace BilbyRelay.Core.Transport;

/// <summary>
/// One edge's QUIC connection as the relay core sees it. The executable adapts the QUIC engine to
/// this interface; tests use an in-memory implementation. Implementations must be safe to call from
/// any thread.
/// </summary>
public interface IEdgeConnection
{
    /// <summary>Process-unique id of this connection.</summary>
    long ConnectionId { get; }

    /// <summary>The peer's post-NAT address as the relay sees it.</summary>
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>Completes (never faults) when the connection is gone for any reason.</summary>
    Task Closed { get; }

    /// <summary>
    /// The next stream the peer opened (bidirectional or unidirectional), in opening order.
    /// Throws (any exception) once the connection is gone.
    /// </summary>
    ValueTask<IEdgeStream> AcceptStreamAsync(CancellationToken ct);

    /// <summary>Opens a bidirectional stream to the peer; may wait for stream credit.</summary>
    ValueTask<IEdgeStream> OpenBidirectionalStreamAsync(CancellationToken ct);

    /// <summary>Opens a unidirectional (send-only) stream to the peer; may wait for stream credit.</summary>
    ValueTask<IEdgeStream> OpenUnidirectionalStreamAsync(CancellationToken ct);

    /// <summary>
    /// Queues one DATAGRAM frame. Thread-safe and never blocks; anything but
    /// <see cref="DatagramSendResult.Queued"/> says why the datagram was dropped.
    /// </summary>
    DatagramSendResult SendDatagram(ReadOnlySpan<byte> datagram);

    /// <summary>
    /// Sets the callback for received DATAGRAM frames. Called once, before datagrams matter; the
    /// handler runs on the transport's thread and the span is valid only during the call.
    /// </summary>
    void SetDatagramHandler(EdgeDatagramHandler handler);

    /// <summary>Closes the connection with an application error code and a reason; idempotent.</summary>
    void Close(long applicationErrorCode, string reason);
}
