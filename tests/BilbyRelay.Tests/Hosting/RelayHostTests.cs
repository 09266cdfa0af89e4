using BilbyRelay.Cli;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;
using Xunit;

namespace BilbyRelay.Tests.Hosting;

public sealed class RelayHostTests
{
    private readonly List<string> _calls = [];
    private readonly StringWriter _log = new();

    private Logger CreateLogger() => new(new TextLogSink(TextWriter.Synchronized(_log)) { MinimumLevel = LogLevel.Trace }, "hosting");

    [Fact]
    public async Task Components_StartInOrderAndStopInReverse()
    {
        using var shutdown = new CancellationTokenSource();
        var host = new RelayHost([new Component("a", _calls), new Component("b", _calls), new Component("c", _calls) { OnStart = shutdown.Cancel }], CreateLogger());

        var exitCode = await host.RunAsync(shutdown.Token);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["start a", "start b", "start c", "stop c", "stop b", "stop a"], _calls);
    }

    [Fact]
    public async Task StartFailure_StopsStartedComponentsAndReturnsOne()
    {
        var host = new RelayHost([new Component("a", _calls), new Component("b", _calls) { FailStart = true }, new Component("c", _calls)], CreateLogger());

        var exitCode = await host.RunAsync(CancellationToken.None);

        Assert.Equal(ExitCodes.RuntimeFailure, exitCode);
        Assert.Equal(["start a", "start b", "stop a"], _calls);
        Assert.Contains("Failed to start b: address in use", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StuckComponent_IsAbandonedAfterGracePeriodAndOthersStillStop()
    {
        var stuck = new TaskCompletionSource();
        var host = new RelayHost(
            [new Component("a", _calls), new Component("stuck", _calls) { StopTask = stuck.Task }],
            CreateLogger(),
            shutdownGracePeriod: TimeSpan.FromMilliseconds(50));

        using var shutdown = new CancellationTokenSource();
        var running = host.RunAsync(shutdown.Token);
        await shutdown.CancelAsync();
        var exitCode = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["start a", "start stuck", "stop stuck", "stop a"], _calls);
        Assert.Contains("stuck did not stop within the grace period", _log.ToString(), StringComparison.Ordinal);
        Assert.Contains("Stopped a", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownBeforeStart_StartsNothing()
    {
        var host = new RelayHost([new Component("a", _calls)], CreateLogger());

        var exitCode = await host.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Empty(_calls);
        Assert.DoesNotContain("Relay ready", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopFailure_IsLoggedAndShutdownContinues()
    {
        using var shutdown = new CancellationTokenSource();
        var host = new RelayHost([new Component("a", _calls), new Component("b", _calls) { FailStop = true, OnStart = shutdown.Cancel }], CreateLogger());

        var exitCode = await host.RunAsync(shutdown.Token);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["start a", "start b", "stop b", "stop a"], _calls);
        Assert.Contains("Error while stopping b", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_IsLoggedOnlyAfterEveryComponentStarted()
    {
        using var shutdown = new CancellationTokenSource();
        var host = new RelayHost([new Component("a", _calls), new Component("b", _calls)], CreateLogger());

        var running = host.RunAsync(shutdown.Token);
        var logBeforeShutdown = _log.ToString();
        await shutdown.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        var lines = logBeforeShutdown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Relay ready (2 components running)", lines[^1], StringComparison.Ordinal);
        Assert.Equal(["start a", "start b", "stop b", "stop a"], _calls);
    }

    private sealed class Component(string name, List<string> calls) : IRelayComponent
    {
        public Action? OnStart { get; init; }

        public bool FailStart { get; init; }

        public bool FailStop { get; init; }

        public Task? StopTask { get; init; }

        public string Name => name;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            calls.Add("start " + name);
            if (FailStart)
            {
                throw new InvalidOperationException("address in use");
            }

            OnStart?.Invoke();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            calls.Add("stop " + name);
            if (FailStop)
            {
                throw new IOException("socket already closed");
            }

            return StopTask ?? Task.CompletedTask;
        }
    }
}
