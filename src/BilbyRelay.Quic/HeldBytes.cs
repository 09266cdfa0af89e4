namespace BilbyRelay.Quic;

/// <summary>
/// The bytes the engine holds because one connection's peer sent them: received stream bytes not yet consumed and,
/// once the application moves them into another stream's output (<see cref="QuicStream.HoldOutputFor"/>, a relay
/// splicing two streams), the bytes waiting there to be sent and acknowledged. Every byte is charged to the shared
/// <see cref="QuicMemoryBudget"/> as well. Thread-safe.
/// </summary>
/// <remarks>
/// Connection credit is decided on this total, not on what the connection's own buffers hold: a peer whose bytes
/// pile up in the output towards a receiver that never reads is the one that loses credit when the budget is full,
/// while a connection whose bytes keep flowing away holds little and keeps its floor.
/// </remarks>
public sealed class HeldBytes
{
    private readonly QuicConnection _owner;
    private long _bytes;

    internal HeldBytes(QuicConnection owner)
    {
        _owner = owner;
    }

    /// <summary>Bytes held now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    internal void Charge(long bytes)
    {
        Interlocked.Add(ref _bytes, bytes);
        _owner.Budget.Charge(bytes);
    }

    internal void Release(long bytes)
    {
        Interlocked.Add(ref _bytes, -bytes);
        _owner.Budget.Release(bytes);
        _owner.OnHeldReleased();
    }
}
