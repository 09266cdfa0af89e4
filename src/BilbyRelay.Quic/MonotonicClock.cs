using System.Diagnostics;

namespace BilbyRelay.Quic;

/// <summary>ngtcp2 time: nanoseconds on a monotonic clock, converted explicitly from Stopwatch ticks.</summary>
internal static class MonotonicClock
{
    private const ulong NanosecondsPerSecond = 1_000_000_000;
    private static readonly ulong s_frequency = (ulong)Stopwatch.Frequency;

    internal static ulong NowNanoseconds
    {
        get
        {
            var ticks = (ulong)Stopwatch.GetTimestamp();
            return (ticks / s_frequency * NanosecondsPerSecond) + (ticks % s_frequency * NanosecondsPerSecond / s_frequency);
        }
    }

    internal static ulong ToNanoseconds(TimeSpan duration) => (ulong)duration.Ticks * 100UL;
}
