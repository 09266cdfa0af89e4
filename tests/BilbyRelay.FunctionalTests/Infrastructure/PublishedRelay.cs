using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// The published native executable running as a child process on loopback ports the system picks.
/// It is ready once it logged both the address it listens on for edges and its readiness line.
/// </summary>
internal sealed partial class PublishedRelay : IAsyncDisposable
{
    private const string BinaryVariable = "BILBYRELAY_BINARY";

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _workingDirectory;

    private PublishedRelay(Process process, string workingDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
    }

    public IPEndPoint Endpoint { get; private set; } = null!;

    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// The binary named by <c>BILBYRELAY_BINARY</c>, else <c>out/bilbyrelay</c> in the repository.
    /// Fails (never skips) when it is missing: the test script publishes it before running tests.
    /// </summary>
    public static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrEmpty(path))
        {
            // Build outputs may live outside the repository ($BILBYRELAY_ARTIFACTS), so this source
            // file's own location is the second place to look from.
            var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Path.GetDirectoryName(SourceFilePath()));
            Assert.True(root is not null, $"cannot find the repository (BilbyRelay.sln) above {AppContext.BaseDirectory}; set {BinaryVariable}");
            path = Path.Combine(root, "out", "bilbyrelay");
        }

        Assert.True(File.Exists(path), $"the published relay binary {path} does not exist: run scripts/publish first (or set {BinaryVariable})");
        return path;
    }

    private static string? FindRepositoryRoot(string? start)
    {
        for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BilbyRelay.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string SourceFilePath([CallerFilePath] string path = "") => path;

    public static async Task<PublishedRelay> StartAsync(params string[] extraArguments)
    {
        // A scratch working directory and no BILBYRELAY_* variables: only the arguments configure it.
        var workingDirectory = Directory.CreateTempSubdirectory("bilbyrelay-functional-").FullName;
        var start = new ProcessStartInfo(FindBinary())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--quic-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0", "--log-format", "text", .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("BILBYRELAY_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var relay = new PublishedRelay(new Process { StartInfo = start, EnableRaisingEvents = true }, workingDirectory);
        relay._process.ErrorDataReceived += (_, e) => relay.OnLogLine(e.Data);
        relay._process.OutputDataReceived += (_, e) => relay.OnLogLine(e.Data);
        relay._process.Exited += (_, _) =>
        {
            relay._listening.TrySetException(new InvalidOperationException("the relay exited before it was listening"));
            relay._ready.TrySetException(new InvalidOperationException("the relay exited before it was ready"));
        };
        Assert.True(relay._process.Start(), "the relay process did not start");
        relay._process.BeginErrorReadLine();
        relay._process.BeginOutputReadLine();
        try
        {
            relay.Endpoint = await relay._listening.Task.WaitAsync(TestTimeouts.Default);
            await relay._ready.Task.WaitAsync(TestTimeouts.Default);
            return relay;
        }
        catch (Exception e)
        {
            await relay.DisposeAsync();
            throw new InvalidOperationException($"the relay did not become ready ({e.Message}); its log:\n{relay.Log}", e);
        }
    }

    /// <summary>Sends SIGTERM and returns the exit code once the process has exited.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestTimeouts.Token());
            Assert.Equal(0, kill.ExitCode);
        }

        await _process.WaitForExitAsync(TestTimeouts.Token());
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(TestTimeouts.Token());
        }

        _process.Dispose();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    private void OnLogLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(IPEndPoint.Parse(listening.Groups["endpoint"].Value));
        }
        else if (line.Contains("Relay ready", StringComparison.Ordinal))
        {
            // The listener logs before readiness; ready without it means no edge can ever connect.
            _listening.TrySetException(new InvalidOperationException("the relay reported ready without listening for edges"));
            _ready.TrySetResult();
        }
    }

    [GeneratedRegex(@"listening for edges on UDP (?<endpoint>[^ ,;]+)")]
    private static partial Regex ListeningLine();
}
