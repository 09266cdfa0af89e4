namespace BilbyRelay.Quic;

/// <summary>
/// The bytes the engine holds for peers, shared by every connection that uses it: received stream bytes not yet
/// consumed, stream bytes written but not yet acknowledged, and queued outgoing datagrams. Thread-safe.
/// </summary>
/// <remarks>
/// Streams obey it through connection-level flow control: credit a connection grants its peer is reserved here,
/// and used plus reserved bytes stay below <see cref="PressureThreshold"/>, except for a small floor per connection
/// whose peer the engine holds little for (<see cref="HeldBytes"/>), granted whatever the usage so every light edge
/// keeps flowing while heavy ones wait. Usage is thus bounded by the limit plus one floor per connection. Datagrams
/// obey it strictly: one that would take usage past <see cref="Limit"/> is refused.
/// </remarks>
public sealed class QuicMemoryBudget
{
    private long _used;
    private long _reserved;

    /// <param name="limit">Bytes the engine may hold; <see cref="long.MaxValue"/> for no limit.</param>
    public QuicMemoryBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 64 * 1024);
        Limit = limit;
        // Headroom of one eighth for credit peers already hold when the budget starts withholding more.
        PressureThreshold = limit - (limit / 8);
    }

    public long Limit { get; }

    /// <summary>Used plus reserved bytes beyond which connections get no credit but their floor.</summary>
    public long PressureThreshold { get; }

    /// <summary>Bytes held now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Connection credit granted to peers and not yet used: bytes they may still send.</summary>
    public long Reserved => Interlocked.Read(ref _reserved);

    public bool IsUnderPressure => Used + Reserved >= PressureThreshold;

    internal void Charge(long bytes) => Interlocked.Add(ref _used, bytes);

    internal void Release(long bytes) => Interlocked.Add(ref _used, -bytes);

    /// <summary>Reserves credit that is granted whatever the usage (a new connection's initial window).</summary>
    internal void Reserve(long bytes) => Interlocked.Add(ref _reserved, bytes);

    internal void Unreserve(long bytes) => Interlocked.Add(ref _reserved, -bytes);

    /// <summary>
    /// Reserves up to <paramref name="wanted"/> bytes of credit: what keeps used plus reserved below
    /// <see cref="PressureThreshold"/>, or <paramref name="floorRoom"/> if that is more. Returns what was reserved.
    /// </summary>
    /// <remarks>
    /// The floor is granted even past <see cref="Limit"/>: a connection gets floor room only while the engine holds
    /// little for its peer, and bytes that peer sends stay counted for it until delivered, so a peer whose bytes pile
    /// up loses its floor and the excess stays one floor per light connection.
    /// </remarks>
    internal long TryReserve(long wanted, long floorRoom)
    {
        var room = PressureThreshold - Used - Reserved;
        var granted = Math.Min(wanted, Math.Max(room, floorRoom));
        if (granted <= 0)
        {
            return 0;
        }

        Interlocked.Add(ref _reserved, granted);
        return granted;
    }

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
