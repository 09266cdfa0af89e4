using System.Diagnostics;
using System.Globalization;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// A status line on stderr rewritten twice a second (rate, loss, elapsed / planned), only when stderr is a terminal:
/// logs and pipes get the step summaries alone.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly Timer? _timer;
    private readonly Lock _lock = new();
    private bool _disposed;

    public ProgressLine(string title, double plannedSeconds, Func<string> status)
    {
        if (Console.IsErrorRedirected)
        {
            return;
        }

        var start = Stopwatch.GetTimestamp();
        _timer = new Timer(_ =>
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
                        $"\r\u001b[K{title}: {status()}  {elapsed:0}/{plannedSeconds:0} s, {Math.Max(0, plannedSeconds - elapsed):0} s left"));
                }
            }
        }, null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    public void Dispose()
    {
        if (_timer is null)
        {
            return;
        }

        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
            Console.Error.Write("\r\u001b[K");
        }
    }
}
