namespace BilbyRelay.Quic;

/// <summary>
/// Lets at most a fixed number of log lines of one kind through per window and counts the rest, so the next line
/// that goes through can say how many were left out. A flood of failing peers would otherwise make writing the log
/// the loop's main work. Not thread-safe: it belongs to one loop thread.
/// </summary>
internal sealed class LogRateLimiter(int linesPerWindow, TimeSpan window, TimeProvider time)
{
    private long _windowStart = time.GetTimestamp();
    private int _linesInWindow;
    private long _suppressed;

    /// <summary>
    /// True when a line may be written now; <paramref name="suppressed"/> is then the number of lines refused since
    /// the last one written (0 when refusing).
    /// </summary>
    public bool TryAcquire(out long suppressed)
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_windowStart, now) >= window)
        {
            _windowStart = now;
            _linesInWindow = 0;
        }

        if (_linesInWindow >= linesPerWindow)
        {
            _suppressed++;
            suppressed = 0;
            return false;
        }

        _linesInWindow++;
        suppressed = _suppressed;
        _suppressed = 0;
        return true;
    }
}
