using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Memory;

public sealed class IdleMemoryReleaserTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Period = IdleMemoryReleaser.CheckPeriod;

    private readonly ManualTimeProvider _time = new();
    private long _allocated;
    private long _heap = MiB;
    private long _liveHeap = MiB;
    private long _evicted;
    private int _collections;
    private int _trims;

    [Fact]
    public void IdleProcess_IsLeftAlone()
    {
        using var releaser = Create();

        _time.Advance(Period * 100);

        Assert.Equal(0, _collections);
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void SteadyLoad_IsNeverInterrupted()
    {
        using var releaser = Create();

        for (var i = 0; i < 20; i++)
        {
            _allocated += 50 * MiB;
            _time.Advance(Period);
        }

        Assert.Equal(0, _collections);
        Assert.Equal(0, _trims);
    }

    [Fact]
    public void LoadThatStops_IsCollectedAndTrimmedOnceInTheFirstQuietPeriod()
    {
        using var releaser = Create();
        _allocated += 50 * MiB;
        _time.Advance(Period);
        Assert.Equal(0, _collections);

        _time.Advance(Period);
        Assert.Equal(1, _collections);
        Assert.Equal(1, _trims);

        _time.Advance(Period * 20);
        Assert.Equal(1, _collections);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void QuietAllocationsBelowTheThreshold_AreNotCollected()
    {
        using var releaser = Create();
        _allocated += IdleMemoryReleaser.CollectAfterBytes - 1;
        _time.Advance(Period);
        _time.Advance(Period);

        Assert.Equal(0, _collections);
    }

    [Fact]
    public void PoolEviction_TrimsMallocWithoutACollection()
    {
        using var releaser = Create();
        _allocated += 50 * MiB;
        _evicted += 16 * 1024;
        _time.Advance(Period);

        Assert.Equal(1, _trims);
        Assert.Equal(0, _collections);
    }

    [Fact]
    public void BurstThatGrewTheHeap_IsCollectedOnceWhilePollingGoesOn()
    {
        using var releaser = Create();
        Burst(100 * MiB);
        Assert.Equal(0, _collections);

        for (var i = 0; i < 20; i++)
        {
            Poll(IdleMemoryReleaser.QuietBytesPerPeriod * 2);
        }

        Assert.Equal(1, _collections);
        Assert.Equal(1, _trims);
        Assert.Equal(_liveHeap, _heap);
    }

    [Fact]
    public void PollingWithoutABurst_IsNotCollected()
    {
        using var releaser = Create();

        for (var i = 0; i < 100; i++)
        {
            Poll(IdleMemoryReleaser.LightBytesPerPeriod - 1);
        }

        Assert.Equal(0, _collections);
    }

    [Fact]
    public void GrownHeap_UnderLoad_IsNotInterrupted()
    {
        using var releaser = Create();

        for (var i = 0; i < 20; i++)
        {
            Burst(IdleMemoryReleaser.LightBytesPerPeriod);
        }

        Assert.Equal(0, _collections);
    }

    [Fact]
    public void HeapThatStaysLargeAfterACollection_IsNotCollectedAgainUntilItGrowsAsMuchOnceMore()
    {
        using var releaser = Create();
        _liveHeap = 200 * MiB;
        Burst(200 * MiB);
        Poll(IdleMemoryReleaser.QuietBytesPerPeriod * 2);
        Assert.Equal(1, _collections);

        for (var i = 0; i < 20; i++)
        {
            Poll(IdleMemoryReleaser.QuietBytesPerPeriod * 2);
        }

        Assert.Equal(1, _collections);

        Burst(IdleMemoryReleaser.HeapGrowthWorthCollecting);
        Poll(IdleMemoryReleaser.QuietBytesPerPeriod * 2);
        Assert.Equal(2, _collections);
    }

    // A period of load that allocates (and leaves on the heap) this much.
    private void Burst(long bytes)
    {
        _allocated += bytes;
        _heap += bytes;
        _time.Advance(Period);
    }

    // A period of light traffic: allocations that the first generation's collections take away.
    private void Poll(long bytes)
    {
        _allocated += bytes;
        _time.Advance(Period);
    }

    private IdleMemoryReleaser Create() =>
        new(_time, () => _allocated, () => _heap, () => _evicted, Collect, () => _trims++);

    private void Collect()
    {
        _collections++;
        _heap = _liveHeap;
    }
}
