using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// At most one rejection event per (message, tunnel, source IP) per interval (§5.10); the next one that is
/// raised reports how many were held back in between. The table is bounded: a spoofed flood from ever new
/// addresses cannot grow it past <see cref="MaxKeys"/>; beyond that, events for new keys are held back
/// until expired keys are pruned. Callers serialise access (the plane calls it under its register lock).
/// </summary>
internal sealed class NativeUdpEventLimiter(TimeProvider time, TimeSpan interval)
{
    public const int MaxKeys = 4096;

    private readonly Dictionary<Key, Entry> _entries = [];
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);

    /// <summary>Events held back because the table was full of live keys.</summary>
    public long Overflowed { get; private set; }

    /// <summary>True when an event should be raised now; <paramref name="suppressed"/> is then the count held back before it.</summary>
    public bool TryAcquire(string message, TunnelId tunnel, in UdpPeerAddress source, out long suppressed)
    {
        var now = time.GetTimestamp();
        var key = new Key(message, tunnel, source.WithPort(0));
        if (_entries.TryGetValue(key, out var entry))
        {
            if (now - entry.RaisedAt < _intervalTicks)
            {
                _entries[key] = entry with { Suppressed = entry.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            suppressed = entry.Suppressed;
            _entries[key] = new Entry(now, 0);
            return true;
        }

        if (_entries.Count >= MaxKeys)
        {
            Prune(now);
            if (_entries.Count >= MaxKeys)
            {
                Overflowed++;
                suppressed = 0;
                return false;
            }
        }

        _entries[key] = new Entry(now, 0);
        suppressed = 0;
        return true;
    }

    /// <summary>
    /// Forgets keys whose interval has passed with nothing held back, and keys quiet for three intervals (their
    /// held-back count has nobody left to be reported to).
    /// </summary>
    public void Prune(long now)
    {
        foreach (var (key, entry) in _entries)
        {
            var age = now - entry.RaisedAt;
            if ((age >= _intervalTicks && entry.Suppressed == 0) || age >= 3 * _intervalTicks)
            {
                _entries.Remove(key);
            }
        }
    }

    private readonly record struct Key(string Message, TunnelId Tunnel, UdpPeerAddress Source);

    private readonly record struct Entry(long RaisedAt, long Suppressed);
}
