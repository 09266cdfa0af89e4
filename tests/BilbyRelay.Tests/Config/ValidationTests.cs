using System.Globalization;
using BilbyRelay.Config;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class ValidationTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void KeepAliveNotBelowIdleTimeout_IsErrorAtKeepAliveLine()
    {
        var path = _dir.WriteFile("relay.toml", "idle_timeout_secs = 10\nkeep_alive_interval_secs = 10\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("keep_alive_interval_secs", error.Key);
        Assert.Equal(ConfigLocation.InFile(path, 2), error.Location);
        Assert.StartsWith("must be less than idle_timeout_secs (10)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IdleTimeoutBelowDefaultKeepAlive_IsErrorAtIdleTimeoutLine()
    {
        var path = _dir.WriteFile("relay.toml", "log_level = \"info\"\nidle_timeout_secs = 4\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("keep_alive_interval_secs", error.Key);
        Assert.Equal(ConfigLocation.InFile(path, 2), error.Location);
    }

    [Fact]
    public void ConnectionWindowBelowStreamWindow_IsError()
    {
        var path = _dir.WriteFile("relay.toml", "stream_receive_window = 2097152\nconnection_receive_window = 1048576\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("connection_receive_window", error.Key);
        Assert.Equal(2, error.Location.Line);
    }

    [Theory]
    [InlineData("stream_receive_window = 1024", "stream_receive_window")]
    [InlineData("stream_receive_window = 2147483648", "stream_receive_window")]
    [InlineData("event_queue_capacity = 0", "event_queue_capacity")]
    [InlineData("idle_timeout_secs = 100000", "idle_timeout_secs")]
    [InlineData("max_connections_per_ip = -1", "max_connections_per_ip")]
    public void OutOfRangeNumber_IsError(string line, string key)
    {
        var path = _dir.WriteFile("relay.toml", line + "\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal(key, error.Key);
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyCertificatePath_IsError()
    {
        var cert = _dir.WriteFile("cert.pem", "x");
        var path = _dir.WriteFile("relay.toml", $"tls_cert_path = \"{cert}\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("tls_cert_path", error.Key);
        Assert.Equal("is set but tls_key_path is not; set both or neither", error.Message);
    }

    [Fact]
    public void MissingCertificateFile_IsError()
    {
        var key = _dir.WriteFile("key.pem", "x");
        var cert = Path.Combine(_dir.Path, "absent.pem");
        var path = _dir.WriteFile("relay.toml", $"tls_cert_path = \"{cert}\"\ntls_key_path = \"{key}\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("tls_cert_path", error.Key);
        Assert.Equal(1, error.Location.Line);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyApiToken_IsError()
    {
        var path = _dir.WriteFile("relay.toml", "api_token = \"\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("api_token", error.Key);
        Assert.StartsWith("must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WsManagerUrl_IsRefusedNamingTheKey()
    {
        var path = _dir.WriteFile("relay.toml", "[manager]\nurls = [\"wss://ok.example.com/ws\", \"ws://plain.example.com/ws\"]\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("manager.urls", error.Key);
        Assert.Equal(ConfigLocation.InFile(path, 2), error.Location);
        Assert.Equal("'ws://plain.example.com/ws' uses ws://, which is refused: the manager link carries node credentials and must use wss://", error.Message);
    }

    [Theory]
    [InlineData("https://manager.example.com/ws", "must be a wss:// URL")]
    [InlineData("not a url", "is not an absolute URL")]
    public void NonWssManagerUrl_IsError(string url, string expected)
    {
        var path = _dir.WriteFile("relay.toml", $"[manager]\nurls = [\"{url}\"]\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeventeenManagerUrls_IsError()
    {
        var urls = string.Join(", ", Enumerable.Range(0, 17).Select(i => $"\"wss://m{i.ToString(CultureInfo.InvariantCulture)}.example.com/ws\""));
        var path = _dir.WriteFile("relay.toml", $"[manager]\nurls = [{urls}]\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("lists 17 URLs; at most 16 are allowed", error.Message);
    }

    [Fact]
    public void EnabledManagerWithoutUrlsOrCredentials_ReportsBoth()
    {
        var path = _dir.WriteFile("relay.toml", "[manager]\nenabled = true\n");

        var result = ConfigLoading.Load(path);

        var errors = result.Diagnostics.Where(d => d.Severity == ConfigDiagnosticSeverity.Error).ToList();
        Assert.Equal(["manager.urls", "manager.registration_token"], errors.Select(e => e.Key));
        Assert.All(errors, e => Assert.Equal(ConfigLocation.InFile(path, 2), e.Location));
    }

    [Fact]
    public void NodeIdWithoutSecret_IsError()
    {
        var path = _dir.WriteFile("relay.toml", "[manager]\nnode_id = \"n\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("manager.node_id", error.Key);
        Assert.Contains("manager.node_secret is not", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelfSignedWithoutInsecureOptIn_LoadsWithAWarningNamingTheVariable()
    {
        var path = _dir.WriteFile("relay.toml", """
            [manager]
            enabled = true
            urls = ["wss://m.example.com/ws"]
            registration_token = "t"
            accept_self_signed_cert = true
            """);

        var withoutOptIn = ConfigLoading.Load(path);
        var allowed = ConfigLoading.Load(path, new() { ["BILBYCAST_ALLOW_INSECURE"] = "1" });

        // The relay must still start and serve edges; only the manager link refuses (and says so).
        Assert.True(withoutOptIn.Succeeded);
        var warning = Assert.Single(withoutOptIn.Diagnostics);
        Assert.Equal(ConfigDiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal("manager.accept_self_signed_cert", warning.Key);
        Assert.Equal(5, warning.Location.Line);
        Assert.Contains("BILBYCAST_ALLOW_INSECURE=1", warning.Message, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded);
        Assert.Empty(allowed.Diagnostics);
    }

    [Theory]
    [InlineData("ab:cd")]
    [InlineData("abcd00112233445566778899aabbccddeeff00112233445566778899aabbccdd")]
    [InlineData("zz:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd")]
    public void MalformedFingerprint_IsError(string fingerprint)
    {
        var path = _dir.WriteFile("relay.toml", $"[manager]\ncert_fingerprint = \"{fingerprint}\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("manager.cert_fingerprint", error.Key);
        Assert.Contains("is not a SHA-256 fingerprint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublicAddressWithPortZero_IsError()
    {
        var path = _dir.WriteFile("relay.toml", "public_quic_addr = \"relay.example.com:0\"\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("public_quic_addr", error.Key);
        Assert.Equal("port '0' is out of range (1-65535)", error.Message);
    }
}
