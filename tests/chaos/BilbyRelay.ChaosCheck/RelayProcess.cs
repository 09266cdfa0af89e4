using System.Diagnostics;

namespace BilbyRelay.ChaosCheck;

/// <summary>The relay under test, started from the command line scripts/chaos passes (it runs in the relay's namespace).</summary>
internal sealed class RelayProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter _log;

    private RelayProcess(IReadOnlyList<string> command, string logPath)
    {
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var start = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>When the relay process was started.</summary>
    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    public int Id => _process.Id;

    public static async Task<RelayProcess> StartAsync(IReadOnlyList<string> command, string logPath, TimeSpan timeout)
    {
        var relay = new RelayProcess(command, logPath);
        var exited = relay._process.WaitForExitAsync();
        var first = await Task.WhenAny(relay._ready.Task, exited).WaitAsync(timeout).ConfigureAwait(false);
        if (first != relay._ready.Task)
        {
            throw new InvalidOperationException($"relay exited with status {relay._process.ExitCode} before it was ready; see {logPath}");
        }

        return relay;
    }

    /// <summary>Started without waiting for its ready line: a reconnecting edge measures from the start.</summary>
    public static RelayProcess Launch(IReadOnlyList<string> command, string logPath) => new(command, logPath);

    /// <summary>SIGKILL: no shutdown, no close frames, as in a crash or an OOM kill.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
        }

        if (line.Contains("Relay ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
