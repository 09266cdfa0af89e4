using System.Diagnostics;
using Xunit;

namespace BilbyRelay.Tests.Common;

/// <summary>
/// Waiting on state that no event announces (a budget's usage, bytes a blocked writer managed to write). Each wait
/// is bounded by a deadline and fails with a description of what was last seen.
/// </summary>
public static class Polling
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < timeout, $"condition not reached within {timeout}: {describe()}");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Returns once <paramref name="progress"/> has not moved for half a second, i.e. whatever advances it is blocked;
    /// fails when it keeps moving for <paramref name="timeout"/> (nothing pushed back).
    /// </summary>
    public static async Task UntilNoProgressAsync(Func<long> progress, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var last = progress();
        var quietSince = watch.Elapsed;
        while (watch.Elapsed - quietSince < TimeSpan.FromMilliseconds(500))
        {
            Assert.True(watch.Elapsed < timeout, $"still progressing after {timeout} (at {last}): nothing pushed back");
            await Task.Delay(50);
            var now = progress();
            if (now != last)
            {
                last = now;
                quietSince = watch.Elapsed;
            }
        }
    }
}
