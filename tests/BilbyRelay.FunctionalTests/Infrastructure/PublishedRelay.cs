using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// The published native executable running as a child process on loopback ports the system picks.
/// It is ready once it logged both the address it listens on for edges and its readiness line.
/// Every log line is recorded, so a test can await one (<see cref="WaitForLogLineAsync"/>).
/// </summary>
internal sealed partial class PublishedRelay : IAsyncDisposable
{
    private const string BinaryVariable = "BILBYRELAY_BINARY";

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _lineWaiters = [];
    private readonly Lock _logLock = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _workingDirectory;
    private IPEndPoint? _apiEndpoint;

    private PublishedRelay(Process process, string workingDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
    }

    public IPEndPoint Endpoint { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The first address the REST / stats endpoint logged that it listens on.</summary>
    public IPEndPoint ApiEndpoint
    {
        get
        {
            Assert.True(_apiEndpoint is not null, $"the relay never logged its stats endpoint address; log:\n{Log}");
            return _apiEndpoint;
        }
    }

    /// <summary>The file names of the shared libraries the process has mapped now (from /proc/PID/maps).</summary>
    public async Task<IReadOnlyList<string>> MappedLibrariesAsync()
    {
        var maps = await File.ReadAllLinesAsync($"/proc/{ProcessId}/maps");
        return maps.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6)
            .Select(fields => Path.GetFileName(fields[5]))
            .Distinct()
            .ToList();
    }

    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>The first log line (already logged or still to come) that matches.</summary>
    public async Task<string> WaitForLogLineAsync(Func<string, bool> match)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_logLock)
        {
            if (_lines.FirstOrDefault(match) is { } earlier)
            {
                return earlier;
            }

            _lineWaiters.Add((match, done));
        }

        try
        {
            return await done.Task.WaitAsync(TestTimeouts.Default);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"no matching log line within {TestTimeouts.Default}; log:\n{Log}", e);
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

    public static Task<PublishedRelay> StartAsync(params string[] extraArguments) =>
        StartAsync(new Dictionary<string, string>(), extraArguments);

    /// <summary>
    /// Starts the binary with the given <c>BILBYRELAY_*</c> environment variables and options on top of
    /// loopback ports the system picks (unless the options give the addresses). The log is text unless the options
    /// choose <c>--log-format</c>.
    /// </summary>
    public static Task<PublishedRelay> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] extraArguments) =>
        StartAsync(launcher: null, environment, extraArguments);

    /// <summary>
    /// As <see cref="StartAsync(string[])"/>, but runs <paramref name="launcher"/> with the binary's path as its first
    /// argument, for a launcher that prepares the process (e.g. passes sockets) and then execs the binary.
    /// </summary>
    public static Task<PublishedRelay> StartThroughAsync(string launcher, params string[] extraArguments) =>
        StartAsync(launcher, new Dictionary<string, string>(), extraArguments);

    private static async Task<PublishedRelay> StartAsync(string? launcher, IReadOnlyDictionary<string, string> environment, string[] extraArguments)
    {
        // A scratch working directory and only the given BILBYRELAY_* variables: nothing inherited configures it.
        var workingDirectory = Directory.CreateTempSubdirectory("bilbyrelay-functional-").FullName;
        var start = new ProcessStartInfo(launcher ?? FindBinary())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string[] Default(string optionPrefix, params string[] option) =>
            extraArguments.Any(a => a.StartsWith(optionPrefix, StringComparison.Ordinal)) ? [] : option;
        var defaults = (string[])[.. Default("--quic-addr", "--quic-addr", "127.0.0.1:0"), .. Default("--api-addr", "--api-addr", "127.0.0.1:0"), .. Default("--udp-relay-addrs", "--udp-relay-addrs", "127.0.0.1:0"), .. Default("--log-format", "--log-format", "text")];
        if (launcher is not null)
        {
            start.ArgumentList.Add(FindBinary());
        }

        foreach (var argument in (string[])[.. defaults, .. extraArguments])
        {
            start.ArgumentList.Add(argument);
        }

        // BILBYCAST_ALLOW_INSECURE (the manager link's opt-in) is the one other variable the relay reads.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("BILBYRELAY_", StringComparison.Ordinal) || k.StartsWith("BILBYCAST_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        if (SuiteLoops.Configured is { } loops)
        {
            start.Environment[SuiteLoops.Variable] = loops;
        }

        foreach (var (name, value) in environment)
        {
            Assert.StartsWith("BILBYRELAY_", name, StringComparison.Ordinal);
            start.Environment[name] = value;
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
    public Task<int> TerminateAsync()
    {
        Signal(PosixSignal.SIGTERM);
        return WaitForExitAsync();
    }

    /// <summary>Sends <paramref name="signal"/>; a raw Linux number for signals <see cref="PosixSignal"/> does not name.</summary>
    public void Signal(PosixSignal signal) => ProcessSignals.Send(_process.Id, signal);

    /// <summary>The exit code, once the process has exited on its own.</summary>
    public async Task<int> WaitForExitAsync()
    {
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

        List<TaskCompletionSource<string>> matched = [];
        lock (_logLock)
        {
            _lines.Add(line);
            for (var i = _lineWaiters.Count - 1; i >= 0; i--)
            {
                if (_lineWaiters[i].Match(line))
                {
                    matched.Add(_lineWaiters[i].Done);
                    _lineWaiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in matched)
        {
            done.TrySetResult(line);
        }

        if (ApiListeningLine().Match(line) is { Success: true } api)
        {
            _apiEndpoint ??= IPEndPoint.Parse(api.Groups["endpoint"].Value);
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

    [GeneratedRegex(@"listening for edges on UDP (?<endpoint>[^ ,;""]+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Stats endpoint listening on http://(?<endpoint>[^ ,;""]+)")]
    private static partial Regex ApiListeningLine();
}
