using System.Text.Json;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Tests.Cli;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

/// <summary>The <c>[logging.json_target]</c> keys in every source, in check-config output, and their errors.</summary>
public sealed class EventLogConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_LeaveTheEventLogOff()
    {
        var config = ConfigLoading.Load().Config;

        Assert.Null(config.EventLog.Kind);
        Assert.Equal(EventLogFormat.Raw, config.EventLog.Format);
        Assert.Equal(64, config.EventLog.MaxSizeMb);
        Assert.Equal(5, config.EventLog.MaxBackups);
        Assert.Equal("127.0.0.1:514", config.EventLog.SyslogAddr);
    }

    [Fact]
    public void TomlTable_SetsEveryKey()
    {
        var events = Path.Combine(_dir.Path, "events.json");
        var path = _dir.WriteFile("relay.toml", $"""
            [logging.json_target]
            kind = "file"
            format = "splunk"
            path = "{events}"
            max_size_mb = 8
            max_backups = 2
            addr = "syslog.example.com:1514"
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        var eventLog = result.Config.EventLog;
        Assert.Equal(EventLogKind.File, eventLog.Kind);
        Assert.Equal(EventLogFormat.Splunk, eventLog.Format);
        Assert.Equal(events, eventLog.Path);
        Assert.Equal(8, eventLog.MaxSizeMb);
        Assert.Equal(2, eventLog.MaxBackups);
        Assert.Equal("syslog.example.com:1514", eventLog.SyslogAddr);
    }

    [Fact]
    public void RelayJson_NestedObjects_SetTheKeys()
    {
        var path = _dir.WriteFile("relay.json", """
            {
              "manager": { "enabled": false },
              "logging": { "json_target": { "kind": "syslog", "format": "dataminer", "addr": "[::1]:514" } }
            }
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(EventLogKind.Syslog, result.Config.EventLog.Kind);
        Assert.Equal(EventLogFormat.DataMiner, result.Config.EventLog.Format);
        Assert.Equal("[::1]:514", result.Config.EventLog.SyslogAddr);
    }

    [Fact]
    public void EnvironmentVariables_SetTheKeys()
    {
        var result = ConfigLoading.Load(environment: new()
        {
            ["BILBYRELAY_LOGGING_JSON_TARGET_KIND"] = "stdout",
            ["BILBYRELAY_LOGGING_JSON_TARGET_FORMAT"] = "SPLUNK",
            ["BILBYRELAY_LOGGING_JSON_TARGET_MAX_BACKUPS"] = "0",
        });

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Equal(EventLogKind.Stdout, result.Config.EventLog.Kind);
        Assert.Equal(EventLogFormat.Splunk, result.Config.EventLog.Format);
        Assert.Equal(0, result.Config.EventLog.MaxBackups);
    }

    [Theory]
    [InlineData("kind = \"kafka\"", "logging.json_target.kind", "'kafka' is not one of stdout, file, syslog")]
    [InlineData("kind = \"stdout\"\nformat = \"xml\"", "logging.json_target.format", "'xml' is not one of raw, splunk, dataminer")]
    [InlineData("kind = \"file\"", "logging.json_target.path", "kind is file but no path is set")]
    [InlineData("kind = \"file\"\npath = \"/nonexistent-dir-for-tests/events.json\"", "logging.json_target.path", "directory '/nonexistent-dir-for-tests' does not exist")]
    [InlineData("max_size_mb = 0", "logging.json_target.max_size_mb", "1")]
    [InlineData("kind = \"syslog\"\naddr = \"no-port\"", "logging.json_target.addr", "")]
    public void InvalidValues_AreErrorsNamingTheKey(string body, string key, string expected)
    {
        var path = _dir.WriteFile("relay.toml", "[logging.json_target]\n" + body + "\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal(key, error.Key);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_InvalidKind_ExitsTwo()
    {
        var path = _dir.WriteFile("relay.toml", "[logging.json_target]\nkind = \"kafka\"\n");
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("check-config", "--config", path);

        Assert.Equal(ExitCodes.UsageOrConfigError, exitCode);
        Assert.Contains("logging.json_target.kind: 'kafka' is not one of stdout, file, syslog", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_PrintsTheTableInTomlAndJson_AndTheOutputLoadsBack()
    {
        var events = Path.Combine(_dir.Path, "events.json");
        var path = _dir.WriteFile("relay.toml", $"[logging.json_target]\nkind = \"file\"\npath = \"{events}\"\nmax_backups = 3\n");

        var toml = new ProgramRun();
        Assert.Equal(ExitCodes.Success, await toml.RunAsync("check-config", "--config", path));
        var json = new ProgramRun();
        Assert.Equal(ExitCodes.Success, await json.RunAsync("check-config", "--config", path, "--output", "json"));

        Assert.Contains($"[logging.json_target]\nkind = \"file\"\nformat = \"raw\"\npath = {TomlText.Quote(events)}\nmax_size_mb = 64\nmax_backups = 3\n", toml.Out.ToString(), StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out.ToString());
        var target = document.RootElement.GetProperty("logging").GetProperty("json_target");
        Assert.Equal("file", target.GetProperty("kind").GetString());
        Assert.Equal(3, target.GetProperty("max_backups").GetInt32());
        Assert.False(document.RootElement.GetProperty("manager").GetProperty("enabled").GetBoolean());

        // What check-config prints is itself a valid configuration with the same settings.
        var reloaded = ConfigLoading.Load(_dir.WriteFile("printed.toml", toml.Out.ToString()));
        Assert.True(reloaded.Succeeded, string.Join("\n", reloaded.Diagnostics));
        Assert.Equal(3, reloaded.Config.EventLog.MaxBackups);
        var reloadedJson = ConfigLoading.Load(_dir.WriteFile("printed.json", json.Out.ToString()));
        Assert.True(reloadedJson.Succeeded, string.Join("\n", reloadedJson.Diagnostics));
        Assert.Equal(EventLogKind.File, reloadedJson.Config.EventLog.Kind);
    }
}
