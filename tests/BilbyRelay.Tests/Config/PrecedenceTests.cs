using System.Net;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class PrecedenceTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EnvironmentOverridesFile_CommandLineOverridesEnvironment()
    {
        var path = _dir.WriteFile("relay.toml", """
            quic_addr = "10.0.0.1:1000"
            api_addr = "10.0.0.1:2000"
            log_level = "error"
            max_connections_per_ip = 1
            """);
        var environment = new Dictionary<string, string>
        {
            ["BILBYRELAY_QUIC_ADDR"] = "10.0.0.2:1000",
            ["BILBYRELAY_API_ADDR"] = "10.0.0.2:2000",
            ["BILBYRELAY_MAX_CONNECTIONS_PER_IP"] = "2",
        };

        var result = ConfigLoading.Load(path, environment, new CommandLineSetting("quic_addr", "10.0.0.3:1000", "--quic-addr"));

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal([IPEndPoint.Parse("10.0.0.3:1000")], result.Config.QuicAddrs);
        Assert.Equal([IPEndPoint.Parse("10.0.0.2:2000")], result.Config.ApiAddrs);
        Assert.Equal(2, result.Config.MaxConnectionsPerIp);
        Assert.Equal(LogLevel.Error, result.Config.LogLevel);
    }

    [Fact]
    public void CommandLineSingleAddress_ReplacesFileList()
    {
        var path = _dir.WriteFile("relay.toml", "quic_addrs = [\"0.0.0.0:1\", \"[::]:1\"]\n");

        var result = ConfigLoading.Load(path, null, new CommandLineSetting("quic_addr", "127.0.0.1:9", "--quic-addr"));

        Assert.True(result.Succeeded);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:9")], result.Config.QuicAddrs);
    }

    [Fact]
    public void EnvironmentVariables_SetEveryKind()
    {
        var environment = new Dictionary<string, string>
        {
            ["BILBYRELAY_QUIC_ADDRS"] = "0.0.0.0:4433, [::]:4433",
            ["BILBYRELAY_API_TOKEN"] = "env-token",
            ["BILBYRELAY_REQUIRE_BIND_AUTH"] = "true",
            ["BILBYRELAY_MANAGER_ENABLED"] = "1",
            ["BILBYRELAY_MANAGER_URLS"] = "wss://a.example.com/ws,wss://b.example.com/ws",
            ["BILBYRELAY_MANAGER_NODE_ID"] = "n",
            ["BILBYRELAY_MANAGER_NODE_SECRET"] = "env-secret",
            ["BILBYRELAY_LOG_FORMAT"] = "json",
            ["BILBYRELAY_TLS_CERT_PATH"] = string.Empty,
        };

        var result = ConfigLoading.Load(environment: environment);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal([IPEndPoint.Parse("0.0.0.0:4433"), IPEndPoint.Parse("[::]:4433")], result.Config.QuicAddrs);
        Assert.Equal("env-token", result.Config.ApiToken);
        Assert.True(result.Config.RequireBindAuth);
        Assert.True(result.Config.Manager.Enabled);
        Assert.Equal(2, result.Config.Manager.Urls.Count);
        Assert.Equal("env-secret", result.Config.Manager.NodeSecret);
        Assert.Equal(LogFormat.Json, result.Config.LogFormat);
        Assert.Null(result.Config.TlsCertPath);
    }

    [Fact]
    public void BadEnvironmentValue_IsErrorNamingTheVariable()
    {
        var result = ConfigLoading.Load(environment: new() { ["BILBYRELAY_MAX_TUNNELS_PER_CONNECTION"] = "lots" });

        var error = ConfigLoading.SingleError(result);
        Assert.Equal("error: environment variable BILBYRELAY_MAX_TUNNELS_PER_CONNECTION: max_tunnels_per_connection: 'lots' is not an integer", error.ToString());
    }

    [Fact]
    public void BadCommandLineValue_IsErrorNamingTheOption()
    {
        var result = ConfigLoading.Load(null, null, new CommandLineSetting("log_level", "loud", "--log-level"));

        var error = ConfigLoading.SingleError(result);
        Assert.Equal("error: option --log-level: log_level: 'loud' is not a log level (trace, debug, info, warn, error)", error.ToString());
    }

    [Fact]
    public void EnvironmentVariableNames_FollowTheKeys()
    {
        Assert.Equal("BILBYRELAY_QUIC_ADDR", ConfigKeys.Find("quic_addr")?.EnvironmentVariable);
        Assert.Equal("BILBYRELAY_MANAGER_NODE_SECRET", ConfigKeys.Find("manager.node_secret")?.EnvironmentVariable);
        Assert.Equal("BILBYRELAY_MANAGER_URLS", ConfigKeys.Find("manager.urls")?.EnvironmentVariable);
    }

    [Fact]
    public void CredentialsFile_OverridesNodeCredentialsFromEverySource()
    {
        var credentials = _dir.WriteFile("credentials.toml", "[manager]\nnode_id = \"n-file\"\nnode_secret = \"s-file\"\n");
        var path = _dir.WriteFile("relay.toml", $"[manager]\nnode_id = \"n-config\"\nnode_secret = \"s-config\"\ncredentials_file = \"{credentials}\"\n");
        var environment = new Dictionary<string, string> { ["BILBYRELAY_MANAGER_NODE_SECRET"] = "s-env" };

        var result = ConfigLoading.Load(path, environment);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal("n-file", result.Config.Manager.NodeId);
        Assert.Equal("s-file", result.Config.Manager.NodeSecret);
    }

    [Fact]
    public void CredentialsFile_Missing_MeansNotRegisteredYet()
    {
        var path = _dir.WriteFile("relay.toml", $"[manager]\nregistration_token = \"t\"\ncredentials_file = \"{Path.Combine(_dir.Path, "absent.toml")}\"\n");

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        Assert.Equal("t", result.Config.Manager.RegistrationToken);
        Assert.Null(result.Config.Manager.NodeId);
    }

    [Fact]
    public void CredentialsFile_WithOnlyOneCredentialOrOtherKeys_IsReported()
    {
        var credentials = _dir.WriteFile("credentials.toml", "quic_addr = \"0.0.0.0:1\"\n[manager]\nnode_id = \"n\"\n");

        var result = ConfigLoading.Load(null, new Dictionary<string, string> { ["BILBYRELAY_MANAGER_CREDENTIALS_FILE"] = credentials });

        Assert.Contains(result.Diagnostics, d => d.Severity == ConfigDiagnosticSeverity.Warning && d.Key == "quic_addr");
        Assert.Equal("manager.credentials_file", ConfigLoading.SingleError(result).Key);
        Assert.Null(result.Config.Manager.NodeId);
    }
}
