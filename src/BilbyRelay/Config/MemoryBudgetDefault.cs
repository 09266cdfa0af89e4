using System.Globalization;

namespace BilbyRelay.Config;

/// <summary>
/// The default of <c>max_buffered_bytes</c>: a quarter of the memory this process may use — its cgroup's limit
/// when one is set (containers, systemd <c>MemoryMax=</c>), else the machine's RAM — and never more than 1 GiB.
/// </summary>
internal static class MemoryBudgetDefault
{
    public const long Cap = 1L << 30;

    // Used only when neither the cgroup nor /proc/meminfo can be read.
    private const long FallbackMemory = 4L << 30;

    public static long Compute() => Math.Min(Cap, UsableMemory() / 4);

    /// <summary>The cgroup memory limit (v2 or v1) of this process, or total RAM when unlimited or unknown.</summary>
    public static long UsableMemory()
    {
        var ram = ReadMemTotal() ?? FallbackMemory;
        var limit = ReadCgroupLimit();
        return limit is { } l && l > 0 && l < ram ? l : ram;
    }

    private static long? ReadCgroupLimit()
    {
        foreach (var line in ReadLines("/proc/self/cgroup"))
        {
            // v2: "0::/path"; v1: "N:memory:/path" (or a comma list holding "memory").
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                if (ReadNumber($"/sys/fs/cgroup{parts[2]}/memory.max") is { } v2)
                {
                    return v2;
                }
            }
            else if (parts[1].Split(',').Contains("memory"))
            {
                if (ReadNumber($"/sys/fs/cgroup/memory{parts[2]}/memory.limit_in_bytes") is { } v1)
                {
                    return v1;
                }
            }
        }

        return null;
    }

    private static long? ReadMemTotal()
    {
        foreach (var line in ReadLines("/proc/meminfo"))
        {
            // "MemTotal:       24576000 kB"
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var fields = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }

        return null;
    }

    /// <summary>A file holding one number; null for "max", an unreadable file or anything else.</summary>
    private static long? ReadNumber(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
