namespace BilbyRelay.ChaosCheck;

/// <summary>The impairment in force on the path, changed between phases; <see cref="Blackout"/> drops everything.</summary>
internal sealed class ImpairmentSwitch
{
    /// <summary>Full-size packets (those that carry a datagram) going towards the relay: how many came, how many were dropped.</summary>
    public HopCounters ToRelay { get; } = new();

    /// <summary>The same for packets going from the relay towards an edge.</summary>
    public HopCounters ToEdge { get; } = new();

    /// <summary>
    /// The loss this path actually applied to datagram-carrying packets since <see cref="HopCounters.Reset"/>:
    /// a datagram crosses it twice (edge → relay, relay → edge), each hop with its own drops.
    /// </summary>
    public double AppliedEndToEndLoss => 1 - ((1 - ToRelay.DropRatio) * (1 - ToEdge.DropRatio));

    private volatile Impairment _current = Impairment.None;
    private volatile bool _blackout;

    public Impairment Current
    {
        get => _current;
        set => _current = value;
    }

    public bool Blackout
    {
        get => _blackout;
        set => _blackout = value;
    }
}

/// <summary>Counts of one direction's full-size packets.</summary>
internal sealed class HopCounters
{
    /// <summary>Packets at least this long carry a datagram in the checks (1200-byte payloads); ACKs and probes are shorter.</summary>
    public const int FullSize = 1200;

    private long _seen;
    private long _dropped;

    public double DropRatio
    {
        get
        {
            long seen = Interlocked.Read(ref _seen);
            return seen == 0 ? 0 : (double)Interlocked.Read(ref _dropped) / seen;
        }
    }

    public void Count(int length, bool dropped)
    {
        if (length >= FullSize)
        {
            Interlocked.Increment(ref _seen);
            if (dropped)
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _seen, 0);
        Interlocked.Exchange(ref _dropped, 0);
    }
}
