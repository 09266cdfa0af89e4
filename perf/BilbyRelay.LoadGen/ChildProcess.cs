using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>
/// A helper process (the relay, the direct-path server, the far edge): its stdout and stderr lines are drained
/// continuously (a full pipe would stall it) and can be awaited; it is ended with SIGTERM, then killed.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<(TimeSpan At, string Line)> _lines = [];
    private readonly Queue<string> _recent = new();
    private readonly Lock _lock = new();
    private readonly long _startedAt;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process, long startedAt)
    {
        _process = process;
        _startedAt = startedAt;
    }

    public int Pid => _process.Id;

    /// <summary>Time since just before the process was started.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startedAt);

    public string Name { get; private set; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/>; the clock for <see cref="WaitForLineAsync"/> starts just before exec.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var startedAt = Stopwatch.GetTimestamp();
        var child = new ChildProcess(process, startedAt) { Name = Path.GetFileName(file) };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts this executable with a subcommand (the direct-path server or the far edge).</summary>
    public static ChildProcess StartSelf(IEnumerable<string> args) =>
        Start(Environment.ProcessPath ?? throw new InvalidOperationException("no process path"), args);

    /// <summary>Waits for a line containing <paramref name="text"/>; returns it and when it came, from the start of the process.</summary>
    public async Task<(TimeSpan At, string Line)> WaitForLineAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (_lines[seen].Line.Contains(text, StringComparison.Ordinal))
                    {
                        return _lines[seen];
                    }
                }

                changed = _changed.Task;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before printing '{text}':\n{Tail()}");
            }

            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name} did not print '{text}' within {timeout.TotalSeconds} s:\n{Tail()}");
            }
        }
    }

    public string Tail(int count = 20)
    {
        lock (_lock)
        {
            return string.Join('\n', _recent.Skip(Math.Max(0, _recent.Count - count)));
        }
    }

    public double CpuSeconds() => ProcStats.CpuSeconds(_process.Id);

    public (double RssMiB, double HwmMiB) Memory() => ProcStats.Memory(_process.Id);

    /// <summary>SIGTERM, wait up to 5 s, then kill. Returns the exit code (-1 when it had to be killed).</summary>
    public async Task<int> StopAsync()
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        // SIGTERM, what systemd sends.
        ProcessSignals.Send(_process.Id, PosixSignal.SIGTERM);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync().ConfigureAwait(false);
            return -1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1 (UDP or TCP).</summary>
    public static int FreePort(ProtocolType protocol)
    {
        using var socket = protocol == ProtocolType.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        var at = Stopwatch.GetElapsedTime(_startedAt);
        TaskCompletionSource changed;
        lock (_lock)
        {
            // Only start-up lines are ever awaited; later chatter (per-connection logs) is capped, not kept.
            if (_lines.Count < 10_000)
            {
                _lines.Add((at, line));
            }

            _recent.Enqueue(line);
            if (_recent.Count > 50)
            {
                _recent.Dequeue();
            }
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
