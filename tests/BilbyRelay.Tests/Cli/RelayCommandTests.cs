using System.Text.Json;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Cli;

public sealed class RelayCommandTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Version_PrintsNameAndVersionWithoutCommit()
    {
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("--version");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Matches(@"^bilbyrelay \d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\n$", run.Out.ToString());
    }

    [Fact]
    public async Task Help_ListsEveryOptionWithDefault()
    {
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("--help");

        var help = run.Out.ToString();
        Assert.Equal(ExitCodes.Success, exitCode);
        foreach (var option in new[] { "--config", "--quic-addr", "--quic-addrs", "--api-addr", "--api-addrs", "--public-quic-addr", "--log-level", "--log-format", "--help", "--version" })
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
        }

        Assert.Contains("[default: 0.0.0.0:4433]", help, StringComparison.Ordinal);
        Assert.Contains("[default: 0.0.0.0:4480]", help, StringComparison.Ordinal);
        Assert.Contains("[default: info]", help, StringComparison.Ordinal);
        Assert.Contains("[default: text]", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOption_ExitsTwoNamingIt()
    {
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("--frobnicate");

        Assert.Equal(ExitCodes.UsageOrConfigError, exitCode);
        Assert.Contains("unknown option '--frobnicate'", run.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(run.Out.ToString());
    }

    [Fact]
    public async Task CheckConfig_PrintsRedactedTomlAndExitsZero()
    {
        var path = _dir.WriteFile("relay.toml", """
            api_token = "api-secret-value"
            typo_key = 1

            [manager]
            enabled = true
            urls = ["wss://manager.example.com/ws"]
            registration_token = "registration-secret-value"
            """);
        var run = new ProgramRun();
        run.Environment["BILBYRELAY_MANAGER_NODE_ID"] = "node";
        run.Environment["BILBYRELAY_MANAGER_NODE_SECRET"] = "node-secret-value";

        var exitCode = await run.RunAsync("check-config", "--config", path);

        var output = run.Out.ToString();
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.DoesNotContain("secret-value", output, StringComparison.Ordinal);
        Assert.Contains("api_token = \"***REDACTED***\"", output, StringComparison.Ordinal);
        Assert.Contains("registration_token = \"***REDACTED***\"", output, StringComparison.Ordinal);
        Assert.Contains("node_secret = \"***REDACTED***\"", output, StringComparison.Ordinal);
        Assert.Contains($"warning: {path}:2: typo_key: unknown key, ignored", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfigJson_IsValidJson()
    {
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("check-config", "--output", "json", "--quic-addr", "[::1]:9000");

        Assert.Equal(ExitCodes.Success, exitCode);
        using var document = JsonDocument.Parse(run.Out.ToString());
        Assert.Equal("[::1]:9000", document.RootElement.GetProperty("quic_addrs")[0].GetString());
    }

    [Fact]
    public async Task CheckConfigInvalid_ExitsTwoListingEveryError()
    {
        var path = _dir.WriteFile("relay.toml", """
            quic_addr = "0.0.0.0:99999"
            max_connections_per_ip = "many"
            """);
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("check-config", "-c", path);

        var error = run.Error.ToString();
        Assert.Equal(ExitCodes.UsageOrConfigError, exitCode);
        Assert.Contains($"error: {path}:1: quic_addr: port '99999' is out of range", error, StringComparison.Ordinal);
        Assert.Contains($"error: {path}:2: max_connections_per_ip: expected an integer, got a string", error, StringComparison.Ordinal);
        Assert.Empty(run.Out.ToString());
    }

    [Fact]
    public async Task RunWithInvalidConfig_ExitsTwoWithoutStarting()
    {
        var started = false;
        var run = new ProgramRun { Components = (_, _, _) => { started = true; return []; } };

        var exitCode = await run.RunAsync(CancellationToken.None, "--log-format", "xml");

        Assert.Equal(ExitCodes.UsageOrConfigError, exitCode);
        Assert.False(started);
        Assert.Contains("option --log-format: log_format: 'xml' is not a log format", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LogsEffectiveConfigReadyAndStopsOnShutdown()
    {
        using var shutdown = new CancellationTokenSource();
        var component = new RecordingComponent("probe");
        var run = new ProgramRun { Components = (_, _, _) => [component] };
        run.Environment["BILBYRELAY_API_TOKEN"] = "api-secret-value";

        var running = run.RunAsync(shutdown.Token, "--log-format", "json");
        await run.Error.WaitForAsync("\"event\":\"Ready\"").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(running.IsCompleted);
        await shutdown.CancelAsync();
        var exitCode = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal(["start probe", "stop probe"], component.Calls);
        var lines = run.Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("event").GetString()).ToList();
        Assert.Equal(["Starting", "Loaded", "Effective", "ComponentStarted", "Ready", "ShuttingDown", "ComponentStopped", "Stopped"], events);
        Assert.DoesNotContain("api-secret-value", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ComponentStartFailure_ExitsOne()
    {
        var component = new RecordingComponent("broken") { FailStart = true };
        var run = new ProgramRun { Components = (_, _, _) => [component] };

        var exitCode = await run.RunAsync(CancellationToken.None);

        Assert.Equal(ExitCodes.RuntimeFailure, exitCode);
        Assert.Contains("Failed to start broken", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LevelWarn_SuppressesInfo()
    {
        var run = new ProgramRun();
        var path = _dir.WriteFile("relay.toml", "unknown_thing = true\n");

        // Shutdown is already requested, so the run returns as soon as start-up logging is done.
        var exitCode = await run.RunAsync(new CancellationToken(canceled: true), "--log-level", "warn", "-c", path);

        Assert.Equal(ExitCodes.Success, exitCode);
        var lines = run.Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("warn  config[1102]", line, StringComparison.Ordinal);
        Assert.Contains("unknown_thing", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ComponentFailingWhileRunning_ShutsDownWithExitOne()
    {
        RelayLifetime? lifetime = null;
        var component = new RecordingComponent("engine");
        var run = new ProgramRun { Components = (_, _, l) => { lifetime = l; return [component]; } };

        var running = run.RunAsync(CancellationToken.None);
        await run.Error.WaitForAsync("Relay ready").WaitAsync(TimeSpan.FromSeconds(30));
        lifetime!.Fail("engine", "loop thread died", new IOException("loop thread died"));
        var exitCode = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(ExitCodes.RuntimeFailure, exitCode);
        Assert.Equal(["start engine", "stop engine"], component.Calls);
        Assert.Contains("engine failed while running: loop thread died; shutting down", run.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Relay stopped (exit code 1)", run.Error.ToString(), StringComparison.Ordinal);
    }

    private sealed class RecordingComponent(string name) : IRelayComponent
    {
        public List<string> Calls { get; } = [];

        public bool FailStart { get; init; }

        public string Name => name;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Calls.Add("start " + name);
            if (FailStart)
            {
                throw new InvalidOperationException("address in use");
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Calls.Add("stop " + name);
            return Task.CompletedTask;
        }
    }
}
