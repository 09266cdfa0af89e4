using System.Net;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class TomlConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NoFile_UsesDefaults()
    {
        var result = ConfigLoading.Load();

        Assert.True(result.Succeeded);
        Assert.Empty(result.Diagnostics);
        var config = result.Config;
        Assert.Equal([new IPEndPoint(IPAddress.Any, 4433)], config.QuicAddrs);
        Assert.Equal([new IPEndPoint(IPAddress.Any, 4480)], config.ApiAddrs);
        Assert.Null(config.PublicQuicAddr);
        Assert.Null(config.ApiToken);
        Assert.False(config.RequireBindAuth);
        Assert.Equal(64, config.MaxConnectionsPerIp);
        Assert.Equal(100, config.MaxTunnelsPerConnection);
        Assert.Equal(LogLevel.Information, config.LogLevel);
        Assert.Equal(LogFormat.Text, config.LogFormat);
        Assert.Equal(5, config.KeepAliveIntervalSecs);
        Assert.Equal(25, config.IdleTimeoutSecs);
        Assert.Equal(16L * 1024 * 1024, config.StreamReceiveWindow);
        Assert.Equal(64L * 1024 * 1024, config.ConnectionReceiveWindow);
        Assert.Equal(4096, config.EventQueueCapacity);
        Assert.False(config.Manager.Enabled);
        Assert.Null(result.File);
    }

    [Fact]
    public void ArraysNestedDeeperThanTheParserAllows_AreASyntaxErrorNotACrash()
    {
        // Found by the toml-config fuzz harness: Tomlyn throws TomlException past 64 nested containers.
        var path = _dir.WriteFile("relay.toml", "quic_threads = " + new string('[', 100) + "\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.StartsWith("TOML syntax error: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("depth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EscapeAtTheEndOfTheFile_IsASyntaxErrorNotACrash()
    {
        // Found by the toml-config fuzz harness: Tomlyn threw ArgumentOutOfRangeException on this file.
        byte[] found =
        [
            0x72, 0x60, 0x3e, 0x20, 0x35, 0x0a, 0x92, 0x61, 0x6e, 0x64, 0x58, 0x65,
            0x65, 0xff, 0xff, 0xff, 0x84, 0x73, 0x41, 0x00, 0x00, 0x00, 0x80, 0x22,
            0x2c, 0x20, 0x65, 0x6e, 0x3d, 0x20, 0x31, 0x20, 0x5c,
        ];
        var path = System.IO.Path.Combine(_dir.Path, "relay.toml");
        File.WriteAllBytes(path, found);

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.StartsWith("TOML syntax error: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryKey_IsRead()
    {
        var cert = _dir.WriteFile("cert.pem", "cert");
        var key = _dir.WriteFile("key.pem", "key");
        var path = _dir.WriteFile("relay.toml", $"""
            quic_addrs = ["0.0.0.0:5433", "[::]:5433"]
            api_addr = "127.0.0.1:5480"
            public_quic_addr = "relay.example.com:5433"
            tls_cert_path = "{cert}"
            tls_key_path = "{key}"
            api_token = "secret-token"
            require_bind_auth = true
            max_connections_per_ip = 8
            max_tunnels_per_connection = 9
            log_level = "debug"
            log_format = "json"
            keep_alive_interval_secs = 3
            idle_timeout_secs = 30
            stream_receive_window = 1048576
            connection_receive_window = 4194304
            event_queue_capacity = 128

            [manager]
            enabled = true
            urls = ["wss://manager.example.com/ws/relay", "wss://backup.example.com:8443/ws"]
            node_id = "node-1"
            node_secret = "node-secret"
            cert_fingerprint = "AB:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        var config = result.Config;
        Assert.Equal([IPEndPoint.Parse("0.0.0.0:5433"), IPEndPoint.Parse("[::]:5433")], config.QuicAddrs);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:5480")], config.ApiAddrs);
        Assert.Equal("relay.example.com:5433", config.PublicQuicAddr);
        Assert.Equal(cert, config.TlsCertPath);
        Assert.Equal(key, config.TlsKeyPath);
        Assert.Equal("secret-token", config.ApiToken);
        Assert.True(config.RequireBindAuth);
        Assert.Equal(8, config.MaxConnectionsPerIp);
        Assert.Equal(9, config.MaxTunnelsPerConnection);
        Assert.Equal(LogLevel.Debug, config.LogLevel);
        Assert.Equal(LogFormat.Json, config.LogFormat);
        Assert.Equal(3, config.KeepAliveIntervalSecs);
        Assert.Equal(30, config.IdleTimeoutSecs);
        Assert.Equal(1048576, config.StreamReceiveWindow);
        Assert.Equal(4194304, config.ConnectionReceiveWindow);
        Assert.Equal(128, config.EventQueueCapacity);
        Assert.True(config.Manager.Enabled);
        Assert.Equal(["wss://manager.example.com/ws/relay", "wss://backup.example.com:8443/ws"], config.Manager.Urls.Select(u => u.OriginalString));
        Assert.Equal("node-1", config.Manager.NodeId);
        Assert.Equal("node-secret", config.Manager.NodeSecret);
        Assert.Equal("ab:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd", config.Manager.CertFingerprint);
        Assert.Equal(new ConfigFile(path, ConfigFileFormat.Toml), result.File);
    }

    [Fact]
    public void InlineManagerTable_IsRead()
    {
        var path = _dir.WriteFile("relay.toml", """
            manager = { node_id = "inline", node_secret = "s" }
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal("inline", result.Config.Manager.NodeId);
        Assert.Equal("s", result.Config.Manager.NodeSecret);
    }

    [Fact]
    public void DottedManagerKey_IsRead()
    {
        var path = _dir.WriteFile("relay.toml", """
            manager.node_id = "dotted"
            manager.node_secret = "s"
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Equal("dotted", result.Config.Manager.NodeId);
    }

    [Fact]
    public void UnknownKey_IsWarningWithLineAndSuggestion()
    {
        var path = _dir.WriteFile("relay.toml", """
            # a comment
            quic_adr = "0.0.0.0:1"

            [manager]
            enabeld = true
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Diagnostics.Count);
        var first = result.Diagnostics[0];
        Assert.Equal(ConfigDiagnosticSeverity.Warning, first.Severity);
        Assert.Equal("quic_adr", first.Key);
        Assert.Equal(ConfigLocation.InFile(path, 2), first.Location);
        Assert.Contains("did you mean 'quic_addr'", first.Message, StringComparison.Ordinal);
        Assert.Equal($"warning: {path}:2: quic_adr: unknown key, ignored; did you mean 'quic_addr'?", first.ToString());
        Assert.Equal("manager.enabeld", result.Diagnostics[1].Key);
        Assert.Equal(5, result.Diagnostics[1].Location.Line);
        Assert.Equal([new IPEndPoint(IPAddress.Any, 4433)], result.Config.QuicAddrs);
        Assert.False(result.Config.Manager.Enabled);
    }

    [Fact]
    public void WrongType_IsErrorNamingFileKeyAndLine()
    {
        var path = _dir.WriteFile("relay.toml", """
            log_level = "info"

            max_connections_per_ip = "many"
            """);

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("max_connections_per_ip", error.Key);
        Assert.Equal(ConfigLocation.InFile(path, 3), error.Location);
        Assert.Equal("expected an integer, got a string", error.Message);
        Assert.Equal($"error: {path}:3: max_connections_per_ip: expected an integer, got a string", error.ToString());
    }

    [Fact]
    public void SyntaxError_IsErrorWithLine()
    {
        var path = _dir.WriteFile("relay.toml", """
            quic_addr = "0.0.0.0:4433"
            api_addr = = "x"
            """);

        var result = ConfigLoading.Load(path);

        Assert.False(result.Succeeded);
        var error = result.Diagnostics.First(d => d.Severity == ConfigDiagnosticSeverity.Error);
        Assert.Equal(path, error.Location.Description);
        Assert.Equal(2, error.Location.Line);
        Assert.StartsWith("TOML syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralErrors_AreAllReported()
    {
        var path = _dir.WriteFile("relay.toml", """
            quic_addr = "0.0.0.0:70000"
            api_addr = "not-an-ip:4480"
            max_tunnels_per_connection = 0
            require_bind_auth = "yes"

            [manager]
            urls = ["ws://manager.example.com/ws"]
            """);

        var result = ConfigLoading.Load(path);

        Assert.False(result.Succeeded);
        var errors = result.Diagnostics.Where(d => d.Severity == ConfigDiagnosticSeverity.Error).ToList();
        Assert.Equal(["quic_addr", "api_addr", "max_tunnels_per_connection", "require_bind_auth", "manager.urls"], errors.Select(e => e.Key));
        Assert.Equal([1, 2, 3, 4, 7], errors.Select(e => e.Location.Line));
        Assert.Contains("out of range", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("not an IP address", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("out of range (1-1000000)", errors[2].Message, StringComparison.Ordinal);
        Assert.Equal("expected a boolean, got a string", errors[3].Message);
        Assert.Contains("ws://", errors[4].Message, StringComparison.Ordinal);
        Assert.Contains("wss://", errors[4].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothSingleAndListAddress_IsError()
    {
        var path = _dir.WriteFile("relay.toml", """
            quic_addr = "0.0.0.0:4433"
            quic_addrs = ["[::]:4433"]
            """);

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("quic_addrs", error.Key);
        Assert.Equal(2, error.Location.Line);
        Assert.Equal("set either quic_addr or quic_addrs, not both", error.Message);
    }

    [Fact]
    public void ManagerAsValue_IsTypeError()
    {
        var path = _dir.WriteFile("relay.toml", "manager = 5\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("manager", error.Key);
        Assert.Equal("expected a table, got an integer", error.Message);
    }

    [Fact]
    public void MissingFile_IsErrorNamingTheOption()
    {
        var missing = Path.Combine(_dir.Path, "absent.toml");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(missing));

        Assert.Equal("option --config", error.Location.Description);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyConfigPath_IsError()
    {
        var error = ConfigLoading.SingleError(ConfigLoading.Load(string.Empty));

        Assert.Equal("config file path is empty or invalid", error.Message);
    }

    [Fact]
    public void ConfigPathFromEnvironment_IsUsed()
    {
        var path = _dir.WriteFile("relay.toml", "max_connections_per_ip = 3\n");

        var result = ConfigLoading.Load(environment: new() { ["BILBYRELAY_CONFIG"] = path });

        Assert.True(result.Succeeded);
        Assert.Equal(3, result.Config.MaxConnectionsPerIp);
        Assert.Equal(path, result.File?.Path);
    }

    [Fact]
    public void UnusualExtension_IsSniffed()
    {
        var toml = _dir.WriteFile("relay.conf", "max_connections_per_ip = 4\n");
        var json = _dir.WriteFile("relay.cfg", "{ \"max_connections_per_ip\": 5 }");

        Assert.Equal(ConfigFileFormat.Toml, ConfigLoading.Load(toml).File?.Format);
        Assert.Equal(4, ConfigLoading.Load(toml).Config.MaxConnectionsPerIp);
        Assert.Equal(ConfigFileFormat.Json, ConfigLoading.Load(json).File?.Format);
        Assert.Equal(5, ConfigLoading.Load(json).Config.MaxConnectionsPerIp);
    }
}
