using System.IO.Pipelines;
using BilbyRelay.Core.Splicing;

namespace BilbyRelay.Core.Transport;

/// <summary>
/// One QUIC stream as a duplex pipe. Completing <see cref="IDuplexPipe.Output"/> sends FIN; a read of
/// <see cref="IDuplexPipe.Input"/> returns <c>IsCompleted</c> at the peer's FIN. A peer reset or a lost
/// connection makes reads or flushes throw: the core treats any exception from a read as an
/// input-side failure and any exception from a write or flush as an output-side failure.
/// For a unidirectional stream only the side that exists is usable.
/// </summary>
public interface IEdgeStream : IDuplexPipe
{
    long StreamId { get; }

    bool IsBidirectional { get; }

    /// <summary>
    /// Resets our sending side (RESET_STREAM) and sends STOP_SENDING for our receiving side; pending
    /// and later reads and flushes on this stream fail. Idempotent, any thread. After aborting, the
    /// core still completes <see cref="IDuplexPipe.Input"/> and <see cref="IDuplexPipe.Output"/> to
    /// release their buffers: the transport must not turn a completion after an abort into FIN.
    /// </summary>
    void Abort(long applicationErrorCode);

    /// <summary>
    /// The reader must hold <paramref name="bytes"/> unconsumed bytes before it can make progress (a
    /// frame longer than the stream's current receive window): let the peer send at least that much
    /// ahead of consumption. Any thread; asking again for the same or fewer bytes does nothing.
    /// Transports without flow control have nothing to do.
    /// </summary>
    void EnsureReceiveWindow(long bytes)
    {
    }

    /// <summary>
    /// What is written to <see cref="IDuplexPipe.Output"/> is read from <paramref name="source"/>: until delivered it
    /// counts as held for the edge that sent it, so when memory is short that sender is slowed, not the edges whose
    /// bytes keep flowing. Called before anything is flushed to the output. Transports without a memory budget have
    /// nothing to do.
    /// </summary>
    void CarryBytesFrom(IEdgeStream source)
    {
    }

    /// <summary>
    /// Moves everything this stream receives (what <see cref="IDuplexPipe.Input"/> holds unread first) into
    /// <paramref name="destination"/>'s output inside the transport, without the core copying through the pipes,
    /// until FIN (the destination's output is then completed: FIN) or a failure. Returns null when the transport
    /// cannot, and the core copies. Until the task completes neither this stream's input nor the destination's
    /// output may be used; afterwards the core completes this stream's input. <paramref name="countBytes"/> runs on
    /// a transport thread for each chunk moved.
    /// </summary>
    Task<SpliceOutcome>? TrySpliceInputTo(IEdgeStream destination, Action<long> countBytes, CancellationToken ct) => null;
}
