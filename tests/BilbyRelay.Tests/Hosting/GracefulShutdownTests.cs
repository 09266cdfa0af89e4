using System.Diagnostics;
using System.Runtime.InteropServices;
using BilbyRelay.Cli;
using BilbyRelay.Quic;
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
    [InlineData(PosixSignal.SIGTERM, "SIGTERM")]
    [InlineData(PosixSignal.SIGINT, "SIGINT")]
    public async Task Signal_ShutsDownGracefullyWithExitCodeZero(PosixSignal signal, string signalName)
    {
        using var relay = new RelayProcess("--quic-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0", "--udp-relay-addrs", "127.0.0.1:0");
        var stderr = new CapturedLines(relay.Process.StandardError);

        await stderr.WaitForAsync("Relay ready").WaitAsync(Timeout);
        ProcessSignals.Send(relay.Process.Id, signal);
        await relay.Process.WaitForExitAsync().WaitAsync(Timeout);
        await stderr.Completed.WaitAsync(Timeout);

        Assert.Equal(ExitCodes.Success, relay.Process.ExitCode);
        Assert.Contains($"Received {signalName}, shutting down gracefully", stderr.Text, StringComparison.Ordinal);
        Assert.Contains("Relay stopped (exit code 0)", stderr.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfiguration_ExitsTwoBeforeStarting()
    {
        using var relay = new RelayProcess("--quic-addr", "0.0.0.0:99999");
        var stderr = new CapturedLines(relay.Process.StandardError);

        await relay.Process.WaitForExitAsync().WaitAsync(Timeout);
        await stderr.Completed.WaitAsync(Timeout);

        Assert.Equal(ExitCodes.UsageOrConfigError, relay.Process.ExitCode);
        Assert.Contains("option --quic-addr: quic_addr: port '99999' is out of range", stderr.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Relay ready", stderr.Text, StringComparison.Ordinal);
    }

    /// <summary>The relay as a child process; killed on dispose if a failed test left it running.</summary>
    private sealed class RelayProcess : IDisposable
    {
        public RelayProcess(params string[] args)
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

            Process = Process.Start(info) ?? throw new InvalidOperationException("could not start the relay");
        }

        public Process Process { get; }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
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
