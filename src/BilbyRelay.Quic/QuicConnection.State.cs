namespace BilbyRelay.Quic;

/// <summary>Where a connection is in its life, and the only moves between those states.</summary>
/// <remarks>
/// Handshaking → Established → Closing (we sent CONNECTION_CLOSE) or Draining (the peer did, or reset us), each
/// held for 3×PTO; a handshake may end in Closing or Draining too. Freed is terminal and reachable from every
/// state: failed creation, idle timeout, an unrecoverable error, shutdown, or the end of the closing period.
/// </remarks>
public sealed partial class QuicConnection
{
    // Written on the loop thread only (through MoveTo); read from any thread.
    private volatile ConnectionState _state = ConnectionState.Handshaking;

    private enum ConnectionState
    {
        Handshaking,
        Established,
        Closing,
        Draining,
        Freed,
    }

    internal bool IsFreed => _state == ConnectionState.Freed;

    internal bool IsEstablished => _state == ConnectionState.Established;

    /// <summary>Loop thread: moves to <paramref name="next"/>; any other move is an engine bug, never peer input.</summary>
    private void MoveTo(ConnectionState next)
    {
        var current = _state;
        if (!CanMove(current, next))
        {
            throw new InvalidOperationException($"A QUIC connection cannot go from {current} to {next}.");
        }

        _state = next;
    }

    private static bool CanMove(ConnectionState from, ConnectionState to) => (from, to) switch
    {
        (ConnectionState.Freed, _) => false,
        (_, ConnectionState.Freed) => true,
        (ConnectionState.Handshaking, ConnectionState.Established) => true,
        (ConnectionState.Handshaking or ConnectionState.Established, ConnectionState.Closing or ConnectionState.Draining) => true,
        _ => false,
    };
}
