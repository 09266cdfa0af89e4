using System.Net;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Tests.Config;

/// <summary>The native UDP plane's keys (PROTOCOL.md §5.8) from every source.</summary>
public sealed class NativeUdpConfigTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_BothFamiliesOn4434_EnabledAndCapsFromTheConnectionCap()
    {
        var result = ConfigLoading.Load(environment: new Dictionary<string, string> { ["BILBYRELAY_MAX_CONNECTIONS_PER_IP"] = "9" });

        Assert.True(result.Succeeded);
        Assert.True(result.Config.UdpRelayEnabled);
        Assert.Equal([IPEndPoint.Parse("0.0.0.0:4434"), IPEndPoint.Parse("[::]:4434")], result.Config.UdpRelayAddrs);
        Assert.Null(result.Config.PublicUdpAddr);
        Assert.Equal(100_000, result.Config.MaxUdpSessions);
        Assert.Contains(EffectiveConfig.Settings(result.Config), s => s.Key == "max_udp_sessions_per_ip" && Equals(s.Value, 9L));
    }

    [Fact]
    public void FileList_IsTrimmed_BlankEntriesSkipped_EmptyListMeansDefault()
    {
        var trimmed = ConfigLoading.Load(_dir.WriteFile("a.toml", "udp_relay_addrs = [\" 127.0.0.1:5000 \", \"\", \"[::1]:5000\"]\n"));
        Assert.True(trimmed.Succeeded);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:5000"), IPEndPoint.Parse("[::1]:5000")], trimmed.Config.UdpRelayAddrs);

        var empty = ConfigLoading.Load(_dir.WriteFile("b.toml", "udp_relay_addrs = []\n"));
        Assert.True(empty.Succeeded);
        Assert.Equal(RelayConfig.DefaultUdpRelayAddrs, empty.Config.UdpRelayAddrs);
    }

    [Theory]
    [InlineData("udp_relay_addrs = [\" \", \"\"]", "lists only blank entries")]
    [InlineData("udp_relay_addrs = [\"127.0.0.1:5000\", \" 127.0.0.1:5000\"]", "lists '127.0.0.1:5000' twice")]
    [InlineData("udp_relay_addrs = [\"relay.example.com:4434\"]", "is not an IP address")]
    [InlineData("public_udp_addr = \"relay.example.com:0\"", "public_udp_addr")]
    [InlineData("max_udp_sessions = 0", "max_udp_sessions")]
    public void BadValues_AreErrors(string toml, string expected)
    {
        var error = ConfigLoading.SingleError(ConfigLoading.Load(_dir.WriteFile("c.toml", toml + "\n")));
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CommandLine_NoUdpRelayAndAddressList()
    {
        Assert.True(CommandLineParser.TryParse(["--no-udp-relay", "--udp-relay-addrs", " 127.0.0.1:1, ,[::1]:2", "--public-udp-addr", "relay.example.com:4434"], out var options, out var error), error);
        var result = ConfigLoading.Load(null, null, [.. options.Settings]);

        Assert.True(result.Succeeded);
        Assert.False(result.Config.UdpRelayEnabled);
        Assert.Equal([IPEndPoint.Parse("127.0.0.1:1"), IPEndPoint.Parse("[::1]:2")], result.Config.UdpRelayAddrs);
        Assert.Equal("relay.example.com:4434", result.Config.PublicUdpAddr);
        Assert.Contains("--no-udp-relay", HelpText.Build(), StringComparison.Ordinal);
    }

    [Fact]
    public void UpstreamJsonKeys_Load()
    {
        var path = _dir.WriteFile("relay.json", """{"udp_relay_enabled": false, "udp_relay_addrs": ["0.0.0.0:5434"], "public_udp_addr": "203.0.113.5:5434"}""");
        var result = ConfigLoading.Load(path);

        Assert.True(result.Succeeded);
        Assert.False(result.Config.UdpRelayEnabled);
        Assert.Equal([IPEndPoint.Parse("0.0.0.0:5434")], result.Config.UdpRelayAddrs);
    }
}
