using System.Text.Json;
using BilbyRelay.Config;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class EffectiveConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RelayConfig WithSecrets() => new()
    {
        ApiToken = "api-secret-value",
        Manager = new ManagerConfig
        {
            RegistrationToken = "registration-secret-value",
            NodeId = "node-7",
            NodeSecret = "node-secret-value",
        },
    };

    [Fact]
    public void Toml_RedactsSecrets()
    {
        var toml = EffectiveConfig.ToToml(WithSecrets());

        Assert.DoesNotContain("secret-value", toml, StringComparison.Ordinal);
        Assert.Contains("api_token = \"***REDACTED***\"", toml, StringComparison.Ordinal);
        Assert.Contains("registration_token = \"***REDACTED***\"", toml, StringComparison.Ordinal);
        Assert.Contains("node_secret = \"***REDACTED***\"", toml, StringComparison.Ordinal);
        Assert.Contains("node_id = \"node-7\"", toml, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_RedactsSecretsAndNestsManager()
    {
        using var document = JsonDocument.Parse(EffectiveConfig.ToJson(WithSecrets()));
        var root = document.RootElement;

        Assert.Equal("***REDACTED***", root.GetProperty("api_token").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("public_quic_addr").ValueKind);
        Assert.Equal(64, root.GetProperty("max_connections_per_ip").GetInt32());
        var manager = root.GetProperty("manager");
        Assert.Equal("***REDACTED***", manager.GetProperty("node_secret").GetString());
        Assert.Equal("***REDACTED***", manager.GetProperty("registration_token").GetString());
        Assert.Equal("node-7", manager.GetProperty("node_id").GetString());
    }

    [Fact]
    public void LogLine_RedactsSecrets()
    {
        var line = EffectiveConfig.ToLogLine(WithSecrets());

        Assert.DoesNotContain("secret-value", line, StringComparison.Ordinal);
        Assert.Contains("api_token=***REDACTED***", line, StringComparison.Ordinal);
        Assert.Contains("quic_addrs=[0.0.0.0:4433]", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Toml_LoadsBackToSameSettings()
    {
        var original = new RelayConfig
        {
            PublicQuicAddr = "relay.example.com:1",
            MaxConnectionsPerIp = 7,
            Manager = new ManagerConfig
            {
                Urls = [new Uri("wss://m.example.com/ws")],
                NodeId = "node \"7\" \\ tab\t",
                NodeSecret = "s",
            },
        };
        var path = _dir.WriteFile("effective.toml", EffectiveConfig.ToToml(original));

        var reloaded = ConfigLoading.Load(path);

        Assert.True(reloaded.Succeeded, string.Join('\n', reloaded.Diagnostics));
        Assert.Empty(reloaded.Diagnostics);
        Assert.Equal(EffectiveConfig.Settings(original), EffectiveConfig.Settings(reloaded.Config), new SettingComparer());
    }

    private sealed class SettingComparer : IEqualityComparer<EffectiveSetting>
    {
        public bool Equals(EffectiveSetting x, EffectiveSetting y) =>
            x.Key == y.Key && (x.Value, y.Value) switch
            {
                (IReadOnlyList<string> a, IReadOnlyList<string> b) => a.SequenceEqual(b),
                var (a, b) => Equals(a, b),
            };

        public int GetHashCode(EffectiveSetting obj) => obj.Key.GetHashCode(StringComparison.Ordinal);
    }
}
