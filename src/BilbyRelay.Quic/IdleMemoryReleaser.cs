using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic;

/// <summary>
/// Gives memory back to the OS once a burst of traffic is over. Nothing else would: glibc keeps the memory that freed
/// pool blocks and ngtcp2 gave back to malloc, and an idle relay allocates nothing, so no GC runs to decommit the heap
/// that grew under load.
/// </summary>
/// <remarks>
/// Every <see cref="CheckPeriod"/> it looks at how much the stream block pool evicted and how much managed memory was
/// allocated in the period:
/// <list type="bullet">
/// <item>blocks were evicted: <c>malloc_trim</c>, which hands free malloc pages back (a few milliseconds at most);</item>
/// <item>the load has stopped — one blocking, compacting full GC that decommits the free regions, then
/// <c>malloc_trim</c> for what the collected objects freed natively. Stopped means either a period allocated
/// almost nothing (<see cref="QuietBytesPerPeriod"/>) after at least <see cref="CollectAfterBytes"/> was allocated
/// since the last collection, or the managed heap holds <see cref="HeapGrowthWorthCollecting"/> more than the last
/// collection left and a period allocated only what light traffic does (<see cref="LightBytesPerPeriod"/>): a
/// scraper or the status page polling every few seconds can allocate more than the first test allows (one
/// <c>/metrics</c> response allocates about 37 KB), and must not keep what a burst left (promoted garbage) resident.</item>
/// </list>
/// Under steady load the pool evicts nothing and a period allocates more than either test allows, so busy loops never
/// wait for it; a heap that is still as large after a collection (live data) is not collected again until it grows
/// by as much once more.
/// </remarks>
public sealed class IdleMemoryReleaser : IDisposable
{
    /// <summary>Checks as often as the pool evicts.</summary>
    internal static readonly TimeSpan CheckPeriod = NativeBlockMemoryPool.EvictionPeriod;

    /// <summary>Less garbage than this is not worth a full GC.</summary>
    internal const long CollectAfterBytes = 4 * 1024 * 1024;

    /// <summary>A period that allocated less than this is quiet (the stats endpoint and timers allocate a little).</summary>
    internal const long QuietBytesPerPeriod = 256 * 1024;

    /// <summary>Heap growth since the last collection that is worth a full GC once traffic is light.</summary>
    internal const long HeapGrowthWorthCollecting = 8 * 1024 * 1024;

    /// <summary>
    /// A period that allocated less than this carries light traffic at most: half the first generation's 4 MiB budget
    /// (src/BilbyRelay/BilbyRelay.csproj), where stream and datagram load allocates tens of MiB per period.
    /// </summary>
    internal const long LightBytesPerPeriod = 2 * 1024 * 1024;

    private readonly Func<long> _allocatedBytes;
    private readonly Func<long> _heapBytes;
    private readonly Func<long> _evictedBytes;
    private readonly Action _collectManaged;
    private readonly Action _trimNative;
    private readonly ITimer _timer;
    private long _lastAllocated;
    private long _lastEvicted;
    private long _allocatedSinceCollection;
    private long _heapAfterCollection;

    /// <summary>Watches this process's managed allocations and heap and the block pools; <paramref name="time"/> drives the checks.</summary>
    public IdleMemoryReleaser(TimeProvider time)
        : this(time, static () => GC.GetTotalAllocatedBytes(), static () => GC.GetTotalMemory(forceFullCollection: false),
            static () => NativeBlockMemoryPool.Instance.BytesEvicted + NativeBlockMemoryPool.Datagrams.BytesEvicted, CollectManaged, TrimNative)
    {
    }

    /// <param name="heapBytes">Bytes the managed heap holds now, garbage included.</param>
    internal IdleMemoryReleaser(
        TimeProvider time, Func<long> allocatedBytes, Func<long> heapBytes, Func<long> evictedBytes, Action collectManaged, Action trimNative)
    {
        _allocatedBytes = allocatedBytes;
        _heapBytes = heapBytes;
        _evictedBytes = evictedBytes;
        _collectManaged = collectManaged;
        _trimNative = trimNative;
        _lastAllocated = allocatedBytes();
        _heapAfterCollection = heapBytes();
        _lastEvicted = evictedBytes();
        _timer = time.CreateTimer(static self => ((IdleMemoryReleaser)self!).Check(), this, CheckPeriod, CheckPeriod);
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var allocated = _allocatedBytes();
        var evicted = _evictedBytes();
        var allocatedInPeriod = allocated - _lastAllocated;
        var evictedInPeriod = evicted - _lastEvicted;
        _lastAllocated = allocated;
        _lastEvicted = evicted;
        _allocatedSinceCollection += allocatedInPeriod;

        var quiet = allocatedInPeriod < QuietBytesPerPeriod && _allocatedSinceCollection >= CollectAfterBytes;
        var burstLeftOver = allocatedInPeriod < LightBytesPerPeriod && _heapBytes() - _heapAfterCollection >= HeapGrowthWorthCollecting;
        if (quiet || burstLeftOver)
        {
            _collectManaged();
            _allocatedSinceCollection = 0;
            _heapAfterCollection = _heapBytes();
            _trimNative();
        }
        else if (evictedInPeriod > 0)
        {
            _trimNative();
        }
    }

    private static void CollectManaged() =>
        // Aggressive: compacts and decommits every free region now instead of over later GCs (there may be none).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    private static void TrimNative() => Libc.malloc_trim(0);
}
