using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Quic;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Config;

/// <summary>The QUIC handshake-flood keys: retry_above_handshakes_per_sec, quic_retry_enabled, max_half_open_connections.</summary>
public sealed class HandshakeAdmissionConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_RetryAbove500PerSecond_1000HalfOpen()
    {
        var result = ConfigLoading.Load();

        Assert.True(result.Succeeded);
        Assert.Equal(500, result.Config.RetryAboveHandshakesPerSec);
        Assert.True(result.Config.QuicRetryEnabled);
        Assert.Equal(1000, result.Config.MaxHalfOpenConnections);
        var options = RelayComposition.QuicOptions(result.Config, Logger.Null, new QuicMemoryBudget(1 << 20));
        Assert.Equal(500, options.RetryAboveHandshakesPerSecond);
        Assert.Equal(1000, options.MaxHalfOpenConnections);
    }

    [Fact]
    public void EnvironmentVariables_SetTheKeys_AndDisablingRetryMeansNever()
    {
        var result = ConfigLoading.Load(environment: new()
        {
            ["BILBYRELAY_RETRY_ABOVE_HANDSHAKES_PER_SEC"] = "0",
            ["BILBYRELAY_QUIC_RETRY_ENABLED"] = "false",
            ["BILBYRELAY_MAX_HALF_OPEN_CONNECTIONS"] = "32",
        });

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Config.RetryAboveHandshakesPerSec);
        Assert.False(result.Config.QuicRetryEnabled);
        Assert.Contains(EffectiveConfig.Settings(result.Config), s => s.Key == "max_half_open_connections" && Equals(s.Value, 32L));
        var options = RelayComposition.QuicOptions(result.Config, Logger.Null, new QuicMemoryBudget(1 << 20));
        Assert.Null(options.RetryAboveHandshakesPerSecond);
        Assert.Equal(32, options.MaxHalfOpenConnections);
    }

    [Fact]
    public void FileValues_AreRead()
    {
        var path = _dir.WriteFile("relay.toml", "retry_above_handshakes_per_sec = 0\nmax_half_open_connections = 5\n");

        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded);
        Assert.Equal(0, result.Config.RetryAboveHandshakesPerSec);
        Assert.Equal(5, result.Config.MaxHalfOpenConnections);
    }

    [Theory]
    [InlineData("retry_above_handshakes_per_sec = -1", "retry_above_handshakes_per_sec", "out of range")]
    [InlineData("retry_above_handshakes_per_sec = \"fast\"", "retry_above_handshakes_per_sec", "")]
    [InlineData("max_half_open_connections = 0", "max_half_open_connections", "out of range")]
    [InlineData("max_half_open_connections = 10000001", "max_half_open_connections", "out of range")]
    [InlineData("quic_retry_enabled = 1", "quic_retry_enabled", "")]
    public void BadValue_IsAnErrorNamingTheKey(string line, string key, string message)
    {
        var path = _dir.WriteFile("relay.toml", line + "\n");

        var error = ConfigLoading.SingleError(ConfigLoading.Load(path));

        Assert.Equal(key, error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadEnvironmentValue_IsAnErrorNamingTheVariable()
    {
        var error = ConfigLoading.SingleError(ConfigLoading.Load(environment: new() { ["BILBYRELAY_MAX_HALF_OPEN_CONNECTIONS"] = "lots" }));

        Assert.Equal("error: environment variable BILBYRELAY_MAX_HALF_OPEN_CONNECTIONS: max_half_open_connections: 'lots' is not an integer", error.ToString());
    }
}
