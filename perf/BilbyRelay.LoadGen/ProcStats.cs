using System.Globalization;

namespace BilbyRelay.LoadGen;

/// <summary>Reads /proc: CPU time (utime + stime) of processes and threads, VmRSS / VmHWM, load average.</summary>
public static class ProcStats
{
    // USER_HZ is 100 on every Linux ABI .NET supports.
    private const double TicksPerSecond = 100.0;

    /// <summary>User + system CPU seconds of a whole process (all threads, not children).</summary>
    public static double CpuSeconds(int pid) => ParseCpuTicks(ReadOrEmpty($"/proc/{pid}/stat")) / TicksPerSecond;

    public static double SelfCpuSeconds() => CpuSeconds(Environment.ProcessId);

    /// <summary>CPU seconds per thread: thread id → (name, seconds).</summary>
    public static Dictionary<int, (string Name, double Seconds)> ThreadCpu(int pid)
    {
        var result = new Dictionary<int, (string, double)>();
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return result;
        }

        foreach (var task in tasks)
        {
            var stat = ReadOrEmpty(Path.Combine(task, "stat"));
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open || !int.TryParse(Path.GetFileName(task), out var tid))
            {
                continue;
            }

            result[tid] = (stat[(open + 1)..close], ParseCpuTicks(stat) / TicksPerSecond);
        }

        return result;
    }

    /// <summary>The thread that used the most CPU between two <see cref="ThreadCpu"/> samples, as a share of one core.</summary>
    public static (string Name, double Percent) BusiestThread(
        Dictionary<int, (string Name, double Seconds)> before, Dictionary<int, (string Name, double Seconds)> after, double wallSeconds)
    {
        var best = ("", 0.0);
        foreach (var (tid, (name, seconds)) in after)
        {
            var used = seconds - (before.TryGetValue(tid, out var b) ? b.Seconds : 0);
            var pct = 100.0 * used / wallSeconds;
            if (pct > best.Item2)
            {
                best = (name, pct);
            }
        }

        return best;
    }

    /// <summary>VmRSS and VmHWM in MiB (0 when the process is gone).</summary>
    public static (double RssMiB, double HwmMiB) Memory(int pid)
    {
        double rss = 0, hwm = 0;
        foreach (var line in ReadOrEmpty($"/proc/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKb(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = ParseKb(line) / 1024.0;
            }
        }

        return (rss, hwm);
    }

    /// <summary>Open file descriptors (entries of /proc/&lt;pid&gt;/fd; 0 when the process is gone).</summary>
    public static int OpenFds(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The Threads: line of /proc/&lt;pid&gt;/status (0 when the process is gone).</summary>
    public static int Threads(int pid)
    {
        foreach (var line in ReadOrEmpty($"/proc/{pid}/status").Split('\n'))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public static string LoadAverage()
    {
        var text = ReadOrEmpty("/proc/loadavg").Trim();
        var parts = text.Split(' ');
        return parts.Length >= 3 ? string.Join(' ', parts[..3]) : text;
    }

    private static double ParseKb(string line)
    {
        var digits = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return digits.Length >= 2 ? double.Parse(digits[1], CultureInfo.InvariantCulture) : 0;
    }

    private static long ParseCpuTicks(string stat)
    {
        // Fields after "(comm)": state is field 3; utime is field 14 and stime field 15.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return 0;
        }

        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 12 ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture) : 0;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}

/// <summary>Samples a process's VmRSS every 100 ms while a phase runs and keeps the maximum.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;

    public MemorySampler(int pid)
    {
        _pid = pid;
        _task = Task.Run(RunAsync);
    }

    public double PeakRssMiB { get; private set; }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                PeakRssMiB = Math.Max(PeakRssMiB, ProcStats.Memory(_pid).RssMiB);
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _task.ConfigureAwait(false);
        PeakRssMiB = Math.Max(PeakRssMiB, ProcStats.Memory(_pid).RssMiB);
    }
}
