namespace BilbyRelay.Core.Metrics;

/// <summary>
/// Turns the forwarded-bytes total into bits per second over the last sampling interval. The host
/// calls <see cref="Sample"/> about once a second; readers see the last computed figure.
/// </summary>
public sealed class BandwidthSampler
{
    private readonly TimeProvider _time;
    private readonly Lock _sampleLock = new();

    // Guarded by _sampleLock.
    private long _lastBytes;
    private long _lastTimestamp;

    private long _bitsPerSecond;

    public BandwidthSampler(TimeProvider time, long initialBytes)
    {
        _time = time;
        _lastBytes = initialBytes;
        _lastTimestamp = time.GetTimestamp();
    }

    /// <summary>Bits per second over the interval between the last two samples (0 before the first).</summary>
    public long BitsPerSecond => Volatile.Read(ref _bitsPerSecond);

    /// <summary>Records <paramref name="totalBytes"/> now and returns the bandwidth since the previous sample.</summary>
    public long Sample(long totalBytes)
    {
        lock (_sampleLock)
        {
            long now = _time.GetTimestamp();
            double seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            long bps = 0;
            if (seconds > 0.1)
            {
                long delta = Math.Max(0, totalBytes - _lastBytes);
                bps = (long)(delta * 8 / seconds);
            }

            // An interval under 0.1 s keeps the previous figure rather than reporting noise.
            if (seconds > 0.1)
            {
                _lastBytes = totalBytes;
                _lastTimestamp = now;
                Volatile.Write(ref _bitsPerSecond, bps);
            }

            return BitsPerSecond;
        }
    }
}
