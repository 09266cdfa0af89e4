using System.Diagnostics;
using BilbyRelay.Cli;
using Xunit;

namespace BilbyRelay.Tests.Hosting;

/// <summary>
/// Runs the real program as a child process and stops it with a POSIX signal, as systemd and
/// container runtimes do.
/// </summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("TERM", "SIGTERM")]
    [InlineData("INT", "SIGINT")]
    public async Task Signal_ShutsDownGracefullyWithExitCodeZero(string signal, string signalName)
    {
        using var relay = StartRelay("--quic-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0");
        var stderr = new CapturedLines(relay.StandardError);

        await stderr.WaitForAsync("Relay ready").WaitAsync(Timeout);
        await SendSignalAsync(relay.Id, signal);
        await relay.WaitForExitAsync().WaitAsync(Timeout);
        await stderr.Completed.WaitAsync(Timeout);

        Assert.Equal(ExitCodes.Success, relay.ExitCode);
        Assert.Contains($"Received {signalName}, shutting down gracefully", stderr.Text, StringComparison.Ordinal);
        Assert.Contains("Relay stopped (exit code 0)", stderr.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfiguration_ExitsTwoBeforeStarting()
    {
        using var relay = StartRelay("--quic-addr", "0.0.0.0:99999");
        var stderr = new CapturedLines(relay.StandardError);

        await relay.WaitForExitAsync().WaitAsync(Timeout);
        await stderr.Completed.WaitAsync(Timeout);

        Assert.Equal(ExitCodes.UsageOrConfigError, relay.ExitCode);
        Assert.Contains("option --quic-addr: quic_addr: port '99999' is out of range", stderr.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Relay ready", stderr.Text, StringComparison.Ordinal);
    }

    private static Process StartRelay(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bilbyrelay.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The child must see only what the test gives it, not the developer's relay settings.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("BILBYRELAY_", StringComparison.Ordinal) || k == "NOTIFY_SOCKET").ToList())
        {
            info.Environment.Remove(name);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start the relay");
    }

    private static async Task SendSignalAsync(int processId, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync().WaitAsync(Timeout);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Reads a stream line by line in the background so a test can await a given line.</summary>
    private sealed class CapturedLines
    {
        private readonly Cli.CapturingWriter _text = new();

        public CapturedLines(StreamReader reader)
        {
            Completed = Task.Run(async () =>
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    _text.Write(line + "\n");
                }
            });
        }

        public Task Completed { get; }

        public string Text => _text.ToString();

        public Task WaitForAsync(string text) => _text.WaitForAsync(text);
    }
}
