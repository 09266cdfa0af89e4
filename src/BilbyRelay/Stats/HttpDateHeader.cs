using System.Text;

namespace BilbyRelay.Stats;

/// <summary>
/// The <c>Date:</c> header line (RFC 9110 §6.6.1), formatted once per second and shared by every
/// connection. Readers may see the previous second's line during a change-over; that is harmless.
/// </summary>
internal static class HttpDateHeader
{
    private static CachedLine? s_cached;

    /// <summary>The full line, <c>Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n</c>.</summary>
    public static ReadOnlySpan<byte> Current
    {
        get
        {
            long second = Environment.TickCount64 / 1000;
            CachedLine? cached = Volatile.Read(ref s_cached);
            if (cached is null || cached.Second != second)
            {
                cached = new CachedLine(second, Encoding.ASCII.GetBytes($"Date: {DateTime.UtcNow:r}\r\n"));
                Volatile.Write(ref s_cached, cached);
            }

            return cached.Line;
        }
    }

    private sealed record CachedLine(long Second, byte[] Line);
}
