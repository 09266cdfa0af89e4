using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void TryAcquire_LetsTheLimitThroughPerWindow_AndCountsTheRestIntoTheNextLine()
    {
        var time = new ManualTimeProvider();
        var limiter = new LogRateLimiter(3, TimeSpan.FromSeconds(1), time);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(limiter.TryAcquire(out var none));
            Assert.Equal(0, none);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.False(limiter.TryAcquire(out _));
        }

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(limiter.TryAcquire(out _));

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.TryAcquire(out var suppressed));
        Assert.Equal(6, suppressed);

        // The count was reported once; the next line has nothing to add.
        Assert.True(limiter.TryAcquire(out var afterReport));
        Assert.Equal(0, afterReport);
    }

    [Fact]
    public void TryAcquire_AfterAQuietSpell_StartsAFreshWindow()
    {
        var time = new ManualTimeProvider();
        var limiter = new LogRateLimiter(1, TimeSpan.FromSeconds(1), time);
        Assert.True(limiter.TryAcquire(out _));
        Assert.False(limiter.TryAcquire(out _));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(limiter.TryAcquire(out var suppressed));
        Assert.Equal(1, suppressed);
        Assert.False(limiter.TryAcquire(out _));
    }
}
