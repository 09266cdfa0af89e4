using System.Diagnostics;
using Xunit;

namespace BilbyRelay.Tests.Stats;

/// <summary>Runs Debian's promtool (package 'prometheus'), which CI installs; outside CI a missing promtool lets callers fall back.</summary>
internal static class Promtool
{
    public const string Path = "/usr/bin/promtool";

    /// <summary>True when promtool is installed. In CI its absence fails the test instead of being skipped.</summary>
    public static bool IsAvailable()
    {
        if (File.Exists(Path))
        {
            return true;
        }

        Assert.False(
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"{Path} is missing; CI must install the Debian package 'prometheus' (scripts/bootstrap --test).");
        return false;
    }

    /// <summary>Runs promtool with <paramref name="arguments"/>, feeding <paramref name="input"/> on stdin; returns its exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
