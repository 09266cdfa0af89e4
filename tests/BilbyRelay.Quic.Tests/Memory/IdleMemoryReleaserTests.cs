using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Memory;

public sealed class IdleMemoryReleaserTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Period = IdleMemoryReleaser.CheckPeriod;

    private readonly ManualTimeProvider _time = new();
    private long _allocated;
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

    private IdleMemoryReleaser Create() =>
        new(_time, () => _allocated, () => _evicted, () => _collections++, () => _trims++);
}
