using System.Net;
using BilbyRelay.Config;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class JsonConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void UpstreamRelayJson_Loads()
    {
        // Shape written by the upstream relay: optional keys present as null.
        var path = _dir.WriteFile("relay.json", """
            {
              "quic_addr": "0.0.0.0:4433",
              "api_addr": "0.0.0.0:4480",
              "public_quic_addr": null,
              "tls_cert_path": null,
              "tls_key_path": null,
              "api_token": "tok",
              "require_bind_auth": false,
              "max_connections_per_ip": 10,
              "manager": {
                "enabled": true,
                "urls": ["wss://manager.example.com/ws/relay"],
                "registration_token": "reg",
                "node_id": null,
                "node_secret": null,
                "accept_self_signed_cert": false,
                "cert_fingerprint": null
              }
            }
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded, string.Join('\n', result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(new ConfigFile(path, ConfigFileFormat.Json), result.File);
        Assert.Equal([new IPEndPoint(IPAddress.Any, 4433)], result.Config.QuicAddrs);
        Assert.Equal("tok", result.Config.ApiToken);
        Assert.Equal(10, result.Config.MaxConnectionsPerIp);
        Assert.Null(result.Config.PublicQuicAddr);
        Assert.True(result.Config.Manager.Enabled);
        Assert.Equal("reg", result.Config.Manager.RegistrationToken);
        Assert.Null(result.Config.Manager.NodeId);
    }

    [Fact]
    public void WrongType_IsErrorWithLine()
    {
        var path = _dir.WriteFile("relay.json", """
            {
              "api_addr": "0.0.0.0:4480",
              "max_connections_per_ip": "many"
            }
            """);

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal($"error: {path}:3: max_connections_per_ip: expected an integer, got a string", error.ToString());
    }

    [Fact]
    public void FloatForInteger_IsError()
    {
        var path = _dir.WriteFile("relay.json", "{ \"idle_timeout_secs\": 2.5 }");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal("idle_timeout_secs", error.Key);
        Assert.Equal("expected an integer, got a float", error.Message);
    }

    [Fact]
    public void UnknownKeys_AreWarningsWithLines()
    {
        var path = _dir.WriteFile("relay.json", """
            {
              "quic_addr": "0.0.0.0:4433",
              "future_option": { "nested": 1 },
              "manager": {
                "enabled": false,
                "colour": "blue"
              }
            }
            """);

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded);
        Assert.Equal(["future_option", "manager.colour"], result.Diagnostics.Select(d => d.Key));
        Assert.Equal([3, 6], result.Diagnostics.Select(d => d.Location.Line));
        Assert.All(result.Diagnostics, d => Assert.Equal(ConfigDiagnosticSeverity.Warning, d.Severity));
    }

    [Fact]
    public void SyntaxError_IsErrorWithLine()
    {
        var path = _dir.WriteFile("relay.json", "{\n  \"quic_addr\": \"0.0.0.0:4433\"\n  \"api_addr\": 1\n}");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Null(error.Key);
        Assert.Equal(3, error.Location.Line);
        Assert.StartsWith("JSON syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAnObject_IsError()
    {
        var path = _dir.WriteFile("relay.json", "[1, 2]");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Contains("must be an object", error.Message, StringComparison.Ordinal);
    }
}
