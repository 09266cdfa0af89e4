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
    private int _releases;

    [Fact]
    public void IdleProcess_IsNeverCollected()
    {
        using var releaser = Create();

        _time.Advance(Period * 100);

        Assert.Equal(0, _releases);
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

        Assert.Equal(0, _releases);
    }

    [Fact]
    public void LoadThatStops_IsReleasedOnceInTheFirstQuietPeriod()
    {
        using var releaser = Create();
        _allocated += 50 * MiB;
        _time.Advance(Period);
        Assert.Equal(0, _releases);

        _time.Advance(Period);
        Assert.Equal(1, _releases);

        _time.Advance(Period * 20);
        Assert.Equal(1, _releases);
    }

    [Fact]
    public void PoolEviction_IsReleasedEvenWhileTrafficGoesOn()
    {
        using var releaser = Create();
        _allocated += 50 * MiB;
        _evicted += IdleMemoryReleaser.ReleaseThresholdBytes;
        _time.Advance(Period);

        Assert.Equal(1, _releases);
    }

    [Fact]
    public void SmallEviction_IsNotWorthACollection()
    {
        using var releaser = Create();
        _evicted += IdleMemoryReleaser.ReleaseThresholdBytes - 1;
        _time.Advance(Period);

        Assert.Equal(0, _releases);
    }

    private IdleMemoryReleaser Create() =>
        new(_time, () => _allocated, () => _evicted, () => _releases++);
}
