using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic;

/// <summary>
/// Gives memory back to the OS once a burst of traffic is over. Nothing else would: an idle relay allocates nothing,
/// so no GC runs to collect the evicted pool blocks or to decommit the heap that grew under load, and glibc keeps the
/// memory ngtcp2 freed.
/// </summary>
/// <remarks>
/// Every <see cref="CheckPeriod"/> it looks at how much managed memory was allocated and how much the stream block
/// pool evicted in the period. It releases (one blocking, compacting full GC that decommits free regions, then
/// <c>malloc_trim</c>) when the pool evicted at least <see cref="ReleaseThresholdBytes"/>, or when a period allocated
/// almost nothing after at least that much was allocated since the last release: the load has stopped. Under steady
/// load the allocation test fails, so it never adds pauses to busy loops; at most one release per period.
/// </remarks>
public sealed class IdleMemoryReleaser : IDisposable
{
    /// <summary>Checks as often as the pool evicts.</summary>
    internal static readonly TimeSpan CheckPeriod = PinnedBlockMemoryPool.EvictionPeriod;

    /// <summary>Less than this is not worth a full GC.</summary>
    internal const long ReleaseThresholdBytes = 4 * 1024 * 1024;

    /// <summary>A period that allocated less than this is quiet (the stats endpoint and timers allocate a little).</summary>
    internal const long QuietBytesPerPeriod = 256 * 1024;

    private readonly Func<long> _allocatedBytes;
    private readonly Func<long> _evictedBytes;
    private readonly Action _release;
    private readonly ITimer _timer;
    private long _lastAllocated;
    private long _lastEvicted;
    private long _allocatedSinceRelease;

    /// <summary>Watches this process's managed allocations and the stream block pool; <paramref name="time"/> drives the checks.</summary>
    public IdleMemoryReleaser(TimeProvider time)
        : this(time, static () => GC.GetTotalAllocatedBytes(), static () => PinnedBlockMemoryPool.Instance.BytesEvicted, ReleaseToOperatingSystem)
    {
    }

    internal IdleMemoryReleaser(TimeProvider time, Func<long> allocatedBytes, Func<long> evictedBytes, Action release)
    {
        _allocatedBytes = allocatedBytes;
        _evictedBytes = evictedBytes;
        _release = release;
        _lastAllocated = allocatedBytes();
        _lastEvicted = evictedBytes();
        _timer = time.CreateTimer(static self => ((IdleMemoryReleaser)self!).Check(), this, CheckPeriod, CheckPeriod);
    }

    /// <summary>Releases so far (for tests and diagnostics).</summary>
    internal int Releases { get; private set; }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var allocated = _allocatedBytes();
        var evicted = _evictedBytes();
        var allocatedInPeriod = allocated - _lastAllocated;
        var evictedInPeriod = evicted - _lastEvicted;
        _lastAllocated = allocated;
        _lastEvicted = evicted;
        _allocatedSinceRelease += allocatedInPeriod;

        var loadStopped = allocatedInPeriod < QuietBytesPerPeriod && _allocatedSinceRelease >= ReleaseThresholdBytes;
        if (evictedInPeriod >= ReleaseThresholdBytes || loadStopped)
        {
            _release();
            _allocatedSinceRelease = 0;
            Releases++;
        }
    }

    private static void ReleaseToOperatingSystem()
    {
        // Aggressive: compacts and decommits every free region now instead of over later GCs (there may be none).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Libc.malloc_trim(0);
    }
}
