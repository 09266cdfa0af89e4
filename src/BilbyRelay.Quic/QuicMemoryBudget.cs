namespace BilbyRelay.Quic;

/// <summary>
/// The bytes the engine holds for peers, shared by every connection that uses it: received stream bytes not yet
/// consumed, stream bytes written but not yet acknowledged, and queued outgoing datagrams. Thread-safe.
/// </summary>
/// <remarks>
/// Streams obey it softly: above <see cref="PressureThreshold"/> consumed bytes stop becoming stream credit (the
/// peers' windows shrink towards zero) until usage falls again, so what a peer may still send is bounded by the
/// credit it already holds. Datagrams obey it strictly: one that would take usage past <see cref="Limit"/> is
/// refused.
/// </remarks>
public sealed class QuicMemoryBudget
{
    private long _used;

    /// <param name="limit">Bytes the engine may hold; <see cref="long.MaxValue"/> for no limit.</param>
    public QuicMemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 64 * 1024);
        Limit = limit;
        // Headroom of one eighth for credit peers already hold when the budget starts withholding more.
        PressureThreshold = limit - (limit / 8);
    }

    public long Limit { get; }

    /// <summary>Usage at which stream credit is withheld.</summary>
    public long PressureThreshold { get; }

    /// <summary>Bytes held now.</summary>
    public long Used => Interlocked.Read(ref _used);

    public bool IsUnderPressure => Interlocked.Read(ref _used) >= PressureThreshold;

    internal void Charge(long bytes) => Interlocked.Add(ref _used, bytes);

    internal void Release(long bytes) => Interlocked.Add(ref _used, -bytes);

    /// <summary>Charges <paramref name="bytes"/> unless that would exceed <see cref="Limit"/>.</summary>
    internal bool TryCharge(long bytes)
    {
        if (Interlocked.Add(ref _used, bytes) <= Limit)
        {
            return true;
        }

        Interlocked.Add(ref _used, -bytes);
        return false;
    }
}
